"""Errors raised by pulumi-gpu.

::

    GpuCloudError                    anything this package raises on purpose
    ├── ConfigurationError           missing credentials or a bad endpoint
    ├── NoCapacity                   the cloud has no machine for a create now
    ├── ForeignObject                an object of the name is not provably this resource's
    ├── ApiError                     the cloud answered with an error status
    │   ├── AuthenticationError      401/403: key missing, wrong, expired or not allowed
    │   ├── NotFoundError            404
    │   ├── ConflictError            409
    │   ├── InvalidRequestError      400/422: the cloud refused the request as made
    │   ├── RateLimitedError         429, still after the retries
    │   └── ServerError              5xx, still after the retries
    ├── TransportError               no usable answer (connection, timeout, broken reply)
    ├── MalformedAnswer              an answer without the shape the API promises
    └── WaitError                    a wait did not end well
        ├── WaitTimeout              the deadline passed; names the last status seen
        ├── ResourceFailed           the resource reached a failure state
        │   └── RecordedFailure      ... and what the state may keep of it (a job's run)
        └── EngineGone               the Pulumi engine exited while the provider waited

``ApiError.outcome_unknown`` / ``TransportError.outcome_unknown`` say whether a
request that changes something may have been carried out although it failed (a 5xx
or a dropped connection after sending): creates use it to look for what they made
instead of making it twice. Messages never contain credentials.
"""

from __future__ import annotations

from typing import Any


class GpuCloudError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigurationError(GpuCloudError):
    """A credential or endpoint is missing or unusable."""


class NoCapacity(GpuCloudError):
    """The cloud has no machine for this create now; nothing was made."""


class ForeignObject(GpuCloudError):
    """An object with this resource's name exists that it cannot prove it made (another
    stack's, another tool's, a person's): it is never adopted, changed or deleted."""


class ApiError(GpuCloudError):
    """The cloud answered with an error status; carries the cloud's own message."""

    def __init__(
        self,
        cloud: str,
        method: str,
        path: str,
        status: int,
        message: str,
        *,
        outcome_unknown: bool = False,
    ) -> None:
        self.cloud = cloud
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        self.outcome_unknown = outcome_unknown
        super().__init__(f"{cloud} API: {method} {path} answered {status}: {message}")


class AuthenticationError(ApiError):
    """401/403: the key is missing, wrong, expired, or lacks the permission."""


class NotFoundError(ApiError):
    """404: the object does not exist (or is not visible to this key)."""


class ConflictError(ApiError):
    """409: the request conflicts with the object's current state."""


class InvalidRequestError(ApiError):
    """400/422: the cloud refused the request as made."""


class RateLimitedError(ApiError):
    """429 after every retry the policy allows."""


class ServerError(ApiError):
    """5xx after every retry the policy allows."""


class TransportError(GpuCloudError):
    """No usable answer: connection refused or dropped, timeout, malformed reply."""

    def __init__(self, cloud: str, method: str, path: str, detail: str, *, outcome_unknown: bool):
        self.cloud = cloud
        self.method = method
        self.path = path
        self.outcome_unknown = outcome_unknown
        super().__init__(f"{cloud} API: {method} {path} failed: {detail}")


class MalformedAnswer(GpuCloudError):
    """The cloud answered, but not with the shape its API promises.

    Names the fields that are wrong and what was expected, never their values: an
    answer may echo what was sent (keys, passwords, environment).
    """

    def __init__(self, cloud: str, what: str, error: Any) -> None:
        problems = []
        for item in error.errors(include_url=False, include_input=False) if error else []:
            where = ".".join(str(part) for part in item["loc"]) or "the answer"
            problems.append(f"{where}: {item['msg']}")
        detail = "; ".join(problems[:5]) or "not that kind of value"
        super().__init__(
            f"{cloud} API answered with something pulumi-gpu cannot read as {what} ({detail})"
        )


class WaitError(GpuCloudError):
    """A wait for a resource did not end in the wanted state."""


class WaitTimeout(WaitError):
    """The deadline passed before the resource was ready."""


class ResourceFailed(WaitError):
    """The resource reached a terminal failure state."""


class CloudReportedFailure(ResourceFailed):
    """The cloud itself reports the object failed (a failed start), as opposed to its
    vanishing or being stopped or deleted from outside."""


class RecordedFailure(ResourceFailed):
    """A create failed after its object existed, and something of it is worth keeping:
    ``record`` (the state, Python names) under ``object_id``. A job whose run ended
    badly while ``up`` waited is kept as that run, so the next ``up`` does not run it
    again. Only a front door that can keep a failed create's state (the provider plugin)
    records it; a dynamic provider cannot, and reports the failure alone."""

    def __init__(self, message: str, object_id: str, record: dict[str, Any]) -> None:
        super().__init__(message)
        self.object_id = object_id
        self.record = record


class EngineGone(WaitError):
    """The Pulumi engine exited mid-wait: nothing made now could be recorded."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    422: InvalidRequestError,
    429: RateLimitedError,
}


def error_class_for(status: int) -> type[ApiError]:
    """The ApiError subclass for an HTTP status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)
