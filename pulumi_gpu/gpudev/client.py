"""GPU Dev API client: one method per endpoint, no lifecycle logic.

Contract: a deployment-specific base URL (no default), ``Authorization: Bearer <key>``
with keys from ``/v1/auth/aws-login`` (see :mod:`pulumi_gpu.gpudev.auth`), FastAPI
errors. Every mutating job endpoint only queues a message for the reservation
processor: a job appears (``GET`` stops answering 404) and actions take effect a few
seconds later.

Documented defect handled here: cancel, extend, Jupyter and add-user answer 500
instead of 404/403 for a job that does not exist or is not the caller's. After a 500
from those endpoints the client asks for the job, and raises the 404/403 that is the
truth (or the 500 when the job is there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from pulumi_gpu.core.config import Setting, fingerprint, key_identity, shared_client
from pulumi_gpu.core.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    ServerError,
)
from pulumi_gpu.core.http import ApiClient
from pulumi_gpu.gpudev.auth import ApiKeyAuth, AwsCredentials
from pulumi_gpu.gpudev.models import (
    ClusterStatus,
    Disk,
    DiskContent,
    DiskOperation,
    DiskOperationStatus,
    DiskRename,
    GpuAvailability,
    Health,
    IssuedKey,
    Job,
    JobAction,
    JobPage,
    JobSubmission,
)

ENDPOINT = Setting(
    "gpudevEndpoint",
    ("GPU_DEV_API_URL",),
    description="GPU Dev API endpoint (deployment-specific).",
)
API_KEY = Setting(
    "gpudevApiKey",
    ("GPU_DEV_API_KEY",),
    secret=True,
    description="GPU Dev API key (or log in with AWS credentials).",
)


def _seg(value: str) -> str:
    """One path segment, escaped (ids and names never change the path's shape)."""
    return quote(value, safe="")


class GpuDevClient(ApiClient):
    cloud = "gpudev"

    def __init__(self, base_url: str, *, auth: ApiKeyAuth | None = None, **kwargs: Any) -> None:
        super().__init__(base_url, auth=auth, **kwargs)
        self.auth = auth

    def account(self) -> str:
        """The user the AWS login was for; without one, the key's fingerprint."""
        if self.auth is not None and self.auth.username:
            return f"gpudev user {self.auth.username}"
        return super().account()

    def _error(self, response: httpx.Response, method: str, path: str) -> ApiError:
        error = super()._error(response, method, path)
        if isinstance(error, AuthenticationError) and self.auth and not self.auth.can_renew:
            hint = (
                "if the configured key (pulumi-gpu:gpudevApiKey / GPU_DEV_API_KEY) expired: "
                "keys last a few hours; configure AWS credentials "
                "(pulumi-gpu:gpudevAwsAccessKeyId, ...) to log in automatically"
            )
            return AuthenticationError(
                self.cloud, method, path, error.status, f"{error.message} ({hint})"
            )
        return error

    # health and info (no key)
    def health(self) -> Health:
        return self.decode(Health, self.request("GET", "/health"))

    def info(self) -> dict[str, Any]:
        return dict(self.request("GET", "/"))

    # keys
    def aws_login(self, credentials: AwsCredentials) -> IssuedKey:
        """Exchange AWS credentials for an API key (a new key per call: safe to retry)."""
        body = credentials.login_body()
        return self.decode(
            IssuedKey, self.request("POST", "/v1/auth/aws-login", json=body, idempotent=True)
        )

    def oidc_login(self, id_token: str) -> IssuedKey:
        body = {"id_token": id_token}
        return self.decode(
            IssuedKey, self.request("POST", "/v1/auth/oidc-login", json=body, idempotent=True)
        )

    def rotate_key(self) -> IssuedKey:
        return self.decode(IssuedKey, self.request("POST", "/v1/keys/rotate", idempotent=True))

    # jobs
    def submit_job(self, body: dict[str, Any]) -> JobSubmission:
        """Queue a job. With ``env_vars.RESERVATION_ID`` set, a repeated submit is the same
        job (the processor treats a known reservation id as a retry), so it is retried."""
        keyed = bool((body.get("env_vars") or {}).get("RESERVATION_ID"))
        answer = self.request("POST", "/v1/jobs/submit", json=body, idempotent=keyed)
        return self.decode(JobSubmission, answer)

    def get_job(self, job_id: str) -> Job:
        return self.decode(Job, self.request("GET", f"/v1/jobs/{_seg(job_id)}"))

    def list_jobs(
        self, statuses: list[str] | None = None, *, limit: int = 50, offset: int = 0
    ) -> JobPage:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if statuses:
            params["status"] = ",".join(statuses)
        return self.decode(JobPage, self.request("GET", "/v1/jobs", params=params))

    def iter_jobs(
        self, statuses: list[str] | None = None, *, page_size: int = 500
    ) -> Iterator[Job]:
        """Every job of the caller matching ``statuses``, newest first, page by page."""
        offset = 0
        while True:
            page = self.list_jobs(statuses, limit=page_size, offset=offset)
            yield from page.jobs
            offset += len(page.jobs)
            if not page.jobs or offset >= page.total:
                return

    def cancel_job(self, job_id: str) -> JobAction:
        return self._job_action(job_id, "cancel", idempotent=True)

    def extend_job(self, job_id: str, extension_hours: int) -> JobAction:
        """Not retried on a lost answer: two extensions would add the hours twice."""
        body = {"extension_hours": extension_hours}
        return self._job_action(job_id, "extend", body, idempotent=False)

    def enable_jupyter(self, job_id: str) -> JobAction:
        return self._job_action(job_id, "jupyter/enable", idempotent=True)

    def disable_jupyter(self, job_id: str) -> JobAction:
        return self._job_action(job_id, "jupyter/disable", idempotent=True)

    def add_user(self, job_id: str, github_username: str) -> JobAction:
        body = {"github_username": github_username}
        return self._job_action(job_id, "users", body, idempotent=True)

    def _job_action(
        self, job_id: str, action: str, body: dict[str, Any] | None = None, *, idempotent: bool
    ) -> JobAction:
        path = f"/v1/jobs/{_seg(job_id)}/{action}"
        try:
            return self.decode(
                JobAction, self.request("POST", path, json=body, idempotent=idempotent)
            )
        except ServerError as failure:
            try:
                self.get_job(job_id)
            except (NotFoundError, AuthenticationError) as truth:
                raise type(truth)(
                    self.cloud,
                    "POST",
                    path,
                    truth.status,
                    f"{truth.message} (the API answered {failure.status}: {failure.message})",
                ) from failure
            raise

    # capacity
    def gpu_availability(self) -> dict[str, GpuAvailability]:
        answer = self.request("GET", "/v1/gpu/availability")
        return {
            name: self.decode(GpuAvailability, entry)
            for name, entry in (answer.get("availability") or {}).items()
        }

    def cluster_status(self) -> ClusterStatus:
        return self.decode(ClusterStatus, self.request("GET", "/v1/cluster/status"))

    # disks
    def create_disk(self, disk_name: str, size_gb: int | None = None) -> DiskOperation:
        """Queue a disk creation. Not retried: names are unique, a second create fails."""
        body: dict[str, Any] = {"disk_name": disk_name}
        if size_gb is not None:
            body["size_gb"] = size_gb
        return self.decode(DiskOperation, self.request("POST", "/v1/disks", json=body))

    def list_disks(self) -> list[Disk]:
        return self.decode_list(Disk, self.request("GET", "/v1/disks"), "disks")

    def get_disk(self, disk_name: str) -> Disk:
        return self.decode(Disk, self.request("GET", f"/v1/disks/{_seg(disk_name)}"))

    def delete_disk(self, disk_name: str) -> DiskOperation:
        """Queue a soft delete (the service keeps the disk's data for 30 days)."""
        return self.decode(DiskOperation, self.request("DELETE", f"/v1/disks/{_seg(disk_name)}"))

    def get_disk_operation(self, disk_name: str, operation_id: str) -> DiskOperationStatus:
        path = f"/v1/disks/{_seg(disk_name)}/operations/{_seg(operation_id)}"
        return self.decode(DiskOperationStatus, self.request("GET", path))

    def disk_content(self, disk_name: str) -> DiskContent:
        return self.decode(DiskContent, self.request("GET", f"/v1/disks/{_seg(disk_name)}/content"))

    def rename_disk(self, disk_name: str, new_name: str) -> DiskRename:
        path = f"/v1/disks/{_seg(disk_name)}/rename"
        return self.decode(DiskRename, self.request("POST", path, json={"new_name": new_name}))


def _endpoint() -> str:
    endpoint = ENDPOINT.require("the GPU Dev API endpoint (deployment-specific, no default)")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"pulumi-gpu:gpudevEndpoint / GPU_DEV_API_URL must be an http(s) URL, got {endpoint!r}"
        )
    return endpoint.rstrip("/")


def gpudev_client() -> GpuDevClient:
    """The process's client for the configured endpoint and credentials."""
    endpoint = _endpoint()
    api_key = API_KEY.value()
    aws = AwsCredentials.configured()
    if api_key is None and aws is None:
        raise ConfigurationError(
            "no GPU Dev API credentials: set an API key (`pulumi config set --secret "
            "pulumi-gpu:gpudevApiKey <key>` or GPU_DEV_API_KEY), or AWS credentials of the "
            "allowed role to log in with (pulumi-gpu:gpudevAwsAccessKeyId, "
            "gpudevAwsSecretAccessKey and gpudevAwsSessionToken, or AWS_ACCESS_KEY_ID, "
            "AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN)"
        )
    secret_parts = [api_key or ""]
    if aws is not None:
        secret_parts += [aws.access_key_id, aws.secret_access_key, aws.session_token or ""]
    digest = fingerprint(*secret_parts)

    def build() -> GpuDevClient:
        login = None
        if aws is not None:
            public = GpuDevClient(endpoint)
            login = _aws_login(public, aws)
        auth = ApiKeyAuth(api_key=api_key, login=login)
        return GpuDevClient(endpoint, auth=auth, identity=key_identity(digest))

    return shared_client(("gpudev", endpoint, digest), build)


def _aws_login(public: GpuDevClient, aws: AwsCredentials) -> Callable[[], IssuedKey]:
    def login() -> IssuedKey:
        try:
            return public.aws_login(aws)
        except AuthenticationError as refused:
            raise AuthenticationError(
                refused.cloud,
                refused.method,
                refused.path,
                refused.status,
                f"{refused.message} (AWS credentials from the {aws.source}: "
                f"access key id {aws.access_key_id[:4]}...; they need the role the "
                "deployment allows, e.g. SSOCloudDevGpuReservation)",
            ) from None

    return login
