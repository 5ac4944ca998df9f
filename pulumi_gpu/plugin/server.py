"""``pulumi-resource-pulumi-gpu``: the provider plugin's gRPC server.

The engine starts the executable (found on ``PATH``) with its own address, reads the
port it prints, and calls the ``ResourceProvider`` service of ``provider.proto``.
:class:`ProviderServicer` implements it on the SDK's generated stubs
(``pulumi.runtime.proto.provider_pb2_grpc``), not on ``pulumi.provider.experimental``,
which falls short here in three ways (SDK 3.259-3.272):

- its ``Create`` can only answer an id and properties: a create that fails after the
  cloud made the object cannot answer the partial state (``ErrorResourceInitFailed`` in
  the status details), which only a servicer of its own can send
  (:meth:`ProviderServicer.Create`: a job whose run failed while ``up`` waited);
- it is ``async`` over ``grpc.aio``, while the kinds' providers block for as long as a
  wait takes: every call would go through ``asyncio.to_thread``, whose default executor
  runs ``min(32, cores + 4)`` threads, the same limit the dynamic-provider process has
  to patch (``core.workers``). Here the server's own executor has
  :data:`~pulumi_gpu.core.workers.WORKER_LIMIT` threads: nothing is patched;
- an exception escaping a call is answered with the SDK's wording (and a traceback);
  here a :class:`~pulumi_gpu.core.errors.GpuCloudError` is answered with its message
  alone, every known secret hidden, as the dynamic path says it (``core.workers``).

``Invoke`` serves the lookups (``functions``); ``Construct``/``Call`` and ``Parameterize``
answer UNIMPLEMENTED.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import grpc
from google.protobuf import any_pb2, empty_pb2
from google.rpc import status_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from pulumi_gpu import __version__
from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.log import redacted, report_to
from pulumi_gpu.core.workers import WORKER_LIMIT, follow_engine
from pulumi_gpu.plugin import functions, settings
from pulumi_gpu.plugin.engine_log import EngineLog, current_urn
from pulumi_gpu.plugin.kinds import package_kinds
from pulumi_gpu.plugin.resources import PartlyCreated, Props, Resources
from pulumi_gpu.plugin.schema import package_schema
from pulumi_gpu.plugin.values import marshal, unmarshal

MAX_MESSAGE = 400 * 1024 * 1024
"""The largest gRPC message either side may send (the SDK's own limit)."""

R = TypeVar("R")


def _answered(method: Callable[..., R]) -> Callable[..., R]:
    """A call whose failure reaches the engine as one plain message: a GpuCloudError's
    own; any other exception (a bug) with its traceback. Known secrets are hidden."""

    @functools.wraps(method)
    def call(self: Any, request: Any, context: grpc.ServicerContext) -> R:
        serving = current_urn.set(getattr(request, "urn", ""))  # what its lines are about
        try:
            return method(self, request, context)
        except GpuCloudError as exc:
            context.abort(grpc.StatusCode.UNKNOWN, redacted(str(exc)))
        except Exception as exc:
            details = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
            context.abort(grpc.StatusCode.UNKNOWN, redacted(details))
        finally:
            current_urn.reset(serving)
        raise AssertionError("unreachable: abort raises")  # pragma: no cover

    return call


def _partly_created(context: grpc.ServicerContext, failure: PartlyCreated) -> Any:
    """Fail the call with the state the engine keeps (``ErrorResourceInitFailed`` in the
    status details, which the engine reads from the ``grpc-status-details-bin``
    trailer): it records the resource, with the failure as its init error."""
    reason = redacted(failure.reason)
    details = any_pb2.Any()
    details.Pack(
        provider_pb2.ErrorResourceInitFailed(
            id=failure.object_id,
            properties=marshal(failure.state.values, failure.state.secret),
            reasons=[reason],
        )
    )
    code = grpc.StatusCode.UNKNOWN
    status = status_pb2.Status(code=code.value[0], message=reason, details=[details])
    context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
    context.set_code(code)
    context.set_details(reason)
    return provider_pb2.CreateResponse()


def _props(struct: Any) -> Props:
    values, secret = unmarshal(struct)
    return Props(values, secret)


class ProviderServicer(provider_pb2_grpc.ResourceProviderServicer):
    """The ``ResourceProvider`` service of pulumi-gpu (see the module's doc)."""

    def __init__(self, log: EngineLog | None = None) -> None:
        self._resources = Resources()
        self._log = log

    # -- the plugin and its schema ------------------------------------------------------

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=__version__)

    @_answered
    def GetSchema(self, request: Any, context: Any) -> Any:
        return provider_pb2.GetSchemaResponse(schema=served_schema())

    def Cancel(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    # -- configuration ------------------------------------------------------------------

    @_answered
    def CheckConfig(self, request: Any, context: Any) -> Any:
        olds, news = _props(request.olds), _props(request.news)
        inputs, warnings = settings.check_config(olds.values, news.values)
        for warning in warnings:
            if self._log is not None:
                self._log.warning(warning)
        secret = news.secret | settings.secret_settings()
        return provider_pb2.CheckResponse(inputs=marshal(inputs, secret))

    @_answered
    def DiffConfig(self, request: Any, context: Any) -> Any:
        olds, news = _props(request.olds), _props(request.news)
        changed = sorted(
            k for k in {*olds.values, *news.values} if olds.values.get(k) != news.values.get(k)
        )
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME
            if changed
            else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed,
        )

    @_answered
    def Configure(self, request: Any, context: Any) -> Any:
        args = _props(request.args).values
        settings.configure(args, dict(request.variables))
        return provider_pb2.ConfigureResponse(
            acceptSecrets=True, supportsPreview=True, acceptResources=False
        )

    # -- resources ----------------------------------------------------------------------

    @_answered
    def Check(self, request: Any, context: Any) -> Any:
        inputs, failures = self._resources.check(
            request.urn, _props(request.olds), _props(request.news)
        )
        return provider_pb2.CheckResponse(
            inputs=marshal(inputs.values, inputs.secret),
            failures=[
                provider_pb2.CheckFailure(property=f.property, reason=f.reason) for f in failures
            ],
        )

    @_answered
    def Diff(self, request: Any, context: Any) -> Any:
        found = self._resources.diff(
            request.urn, request.id, _props(request.olds), _props(request.news)
        )
        changes = {
            True: provider_pb2.DiffResponse.DIFF_SOME,
            False: provider_pb2.DiffResponse.DIFF_NONE,
            None: provider_pb2.DiffResponse.DIFF_UNKNOWN,
        }[found.changes]
        return provider_pb2.DiffResponse(
            changes=changes,
            replaces=list(found.replaces or []),
            deleteBeforeReplace=bool(found.delete_before_replace),
        )

    @_answered
    def Create(self, request: Any, context: Any) -> Any:
        """Create; at preview, what it will make as far as it is known. A create that
        failed after its object existed, with something worth keeping (a job's run that
        ended badly), is answered with that state as partial state."""
        if request.preview:
            planned = self._resources.planned(request.urn, _props(request.properties))
            return provider_pb2.CreateResponse(properties=marshal(planned.values, planned.secret))
        try:
            object_id, outputs = self._resources.create(request.urn, _props(request.properties))
        except PartlyCreated as failure:
            return _partly_created(context, failure)
        return provider_pb2.CreateResponse(
            id=object_id, properties=marshal(outputs.values, outputs.secret)
        )

    @_answered
    def Read(self, request: Any, context: Any) -> Any:
        object_id, state = self._resources.read(request.urn, request.id, _props(request.properties))
        if object_id is None:  # gone: the engine drops the resource
            return provider_pb2.ReadResponse(id="")
        return provider_pb2.ReadResponse(
            id=object_id, properties=marshal(state.values, state.secret)
        )

    @_answered
    def Update(self, request: Any, context: Any) -> Any:
        """Update; at preview, the new inputs (the outputs they change are not known)."""
        if request.preview:
            return provider_pb2.UpdateResponse(properties=request.news)
        outputs = self._resources.update(
            request.urn, request.id, _props(request.olds), _props(request.news)
        )
        return provider_pb2.UpdateResponse(properties=marshal(outputs.values, outputs.secret))

    @_answered
    def Delete(self, request: Any, context: Any) -> Any:
        self._resources.delete(request.urn, request.id, _props(request.properties))
        return empty_pb2.Empty()

    # -- functions ----------------------------------------------------------------------

    @_answered
    def Invoke(self, request: Any, context: Any) -> Any:
        """A lookup, by its function token: its answer, or its arguments' mistakes."""
        answer, failures = functions.invoke(request.tok, _props(request.args))
        return provider_pb2.InvokeResponse(
            failures=[
                provider_pb2.CheckFailure(property=f.property, reason=f.reason) for f in failures
            ],
            **{"return": marshal(answer.values, answer.secret)},
        )


@functools.cache
def served_schema() -> str:
    """The package schema with this release's version, as ``GetSchema`` answers it."""
    return json.dumps({**package_schema(), "version": __version__})


def serve(
    executor_threads: int = WORKER_LIMIT, log: EngineLog | None = None
) -> tuple[grpc.Server, int]:
    """Start the server on a free port of 127.0.0.1: (the server, its port); ``log``:
    where its warnings go (the engine's log)."""
    for kind in package_kinds().values():
        kind.provider  # noqa: B018 - every kind's modules load now, not in a call's thread
    functions.package_functions()  # and every lookup's
    server = grpc.server(
        ThreadPoolExecutor(max_workers=executor_threads, thread_name_prefix="pulumi-gpu"),
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE),
            ("grpc.max_send_message_length", MAX_MESSAGE),
        ],
    )
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(ProviderServicer(log), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


def main(argv: Sequence[str] | None = None) -> None:
    """The executable: serve, print the port for the engine, run until stopped."""
    parser = argparse.ArgumentParser(
        prog="pulumi-resource-pulumi-gpu",
        description="The Pulumi provider plugin of pulumi-gpu (started by the Pulumi engine).",
    )
    parser.add_argument("engine", nargs="?", help="the Pulumi engine's address")
    args, _ = parser.parse_known_args(argv)
    follow_engine()
    log = EngineLog(args.engine) if args.engine else None
    if log is not None:
        report_to(log.info)  # the engine hides a plugin's stderr
    server, port = serve(log=log)
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(0)
