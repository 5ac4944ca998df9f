"""The base of every pulumi-gpu dynamic provider: the engine's calls, kept once.

A resource kind is three things: a pydantic model of its inputs (see ``inputs``), a
:class:`GpuProvider` subclass that declares what only that kind knows about its cloud
object (the hooks below), and a resource class the user instantiates. This module
turns the engine's calls into the same behaviour for every kind:

- ``check`` validates the inputs with the model; every mistake becomes a
  ``CheckFailure`` naming the field and what is allowed, before any cloud is touched.
  Values still unknown during a preview are not judged; secrets and private keys are
  never echoed.
- ``diff`` classifies each changed field by its declared policy (``change_kind`` may
  decide case by case), turns a failed or stopped object found by refresh into a repair,
  and asks the kind whether a replacement must delete first and can be known to work.
- ``create``/``read``/``update``/``delete`` run the lifecycle (``lifecycle``): adopt or
  create once, wait on phases, converge, clean up, and fail closed when an update did
  not apply a changed field.
- ``adopt_id`` (an input of every kind) takes over an existing object: ``check`` refuses
  one that is missing, failed, or would need a replacement to match the inputs; the
  create then applies the other differences as the kind's own update would.

Every resource's outputs carry ``status`` (a :class:`~pulumi_gpu.core.phases.Phase`),
``cloud_status`` (the cloud's own word) and ``account`` (who made it, never a secret).
Providers hold no state: credentials and clients live in the process (see ``config``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Generic, TypeVar, cast

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from pulumi_gpu.core import adoption, checking, lifecycle
from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import AuthenticationError, GpuCloudError, NotFoundError
from pulumi_gpu.core.http import ApiClient
from pulumi_gpu.core.identity import (
    DEFAULT_NAME_KEY,
    NAME_RULE,
    OWNER_KEY,
    Inventoried,
    NameRule,
    Owner,
    Verdict,
    ownership,
)
from pulumi_gpu.core.inputs import (
    ADOPT_ID,
    ALLOW_REPLACEMENT,
    SCHEMA_VERSION_KEY,
    ResourceInputs,
    Saved,
    changed_fields,
    contains_unknown,
    model_values,
    without_provider,
)
from pulumi_gpu.core.log import hide, redacted
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.pricing import PriceCap
from pulumi_gpu.core.workers import prepare_provider_process

STATUS_FIELDS = ("status", "cloud_status", "account")
"""Outputs every resource has: its phase, the cloud's word for it, and who made it."""

InputsT = TypeVar("InputsT", bound=ResourceInputs)
ObjT = TypeVar("ObjT")


class Change(Enum):
    """What a changed input does to the resource."""

    NONE = "none"
    UPDATE = "update"
    REPLACE = "replace"


@dataclass(frozen=True)
class Replacement:
    """How a replacement goes: delete the old object first or not, and, when the new one
    cannot be known to work (``blocker``), the reason it is refused at preview."""

    delete_first: bool = False
    blocker: str | None = None


class GpuProvider(ResourceProvider, Generic[InputsT, ObjT]):
    """Engine-facing half of a resource kind; subclasses implement the hooks."""

    inputs_model: ClassVar[type[ResourceInputs]]
    kind: ClassVar[str]
    """Human name of the kind, e.g. ``"celium Pod"``; used in messages."""
    delete_before_replace: ClassVar[bool] = False
    """A replacement deletes the old object first (the new one needs what it holds)."""
    startable: ClassVar[bool] = False
    """The cloud can start a stopped object (``start_object``/``stop_object`` work)."""
    phase_fields: ClassVar[frozenset[str]] = frozenset()
    """Inputs applied by bringing the object to ``desired_phase`` (e.g. desired_status)."""
    visible_after: ClassVar[float] = 10.0
    """Seconds a just-made object may take to be readable and listed."""
    look_for_lost: ClassVar[float] = 3.0
    """Seconds to look for what a create without an answer made, before creating again
    (clouds that make the object before answering show it at once)."""
    batched: ClassVar[bool] = False
    """Waits go through ``watch_many`` (one request for many objects) instead of ``watch``."""
    listed: ClassVar[bool] = False
    """The cloud lists every object of the kind in one request (``list_objects``): the
    process's creates and waits share that listing (see ``core.listing``), so a poll
    round costs one request whatever the number of objects waited on."""
    default_wait_timeout: ClassVar[float] = 1800.0
    name_rule: ClassVar[NameRule] = NAME_RULE
    """What the cloud takes as a name, for the names pulumi-gpu gives (``identity``)."""
    schema_version: ClassVar[int] = 1
    """The version of the kind's state this release writes (``schema_version`` output);
    version 0 is a state from before 0.2.0, which had none."""
    migrations: ClassVar[Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {}
    """Version -> what takes a state of that version to the next: the kind's history, in
    one place. Each must leave a state already migrated as it is (the saved inputs
    ``check`` reads carry no version)."""
    secret_outputs: ClassVar[frozenset[str]] = frozenset()
    """Outputs that are secrets (a password, the record of a hosted object): kept
    encrypted in the state, besides the secret inputs."""
    log_outputs: ClassVar[frozenset[str]] = frozenset()
    """Outputs that hold what a run printed: kept encrypted, and secret values replaced."""

    # -- engine entry points --------------------------------------------------------

    def configure(self, req: ConfigureRequest) -> None:
        use_stack_config(req.config)
        prepare_provider_process()

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self.hide_secrets(news)
        olds = self.migrated(olds) if olds else olds
        news = checking.settled_name(self.inputs_model, olds, news)
        checking.declare(self.kind, news.get("name"))
        values = model_values(news)
        failures = checking.validation_failures(self.inputs_model, self.kind, values)
        failures += checking.data_loss_failures(
            self.inputs_model, self.kind, olds, values, self.changed_fields(olds, values)
        )
        if not failures:
            failures += checking.change_failures(self, model_values(olds), values)
        if not failures:
            failures += adoption.adoption_failures(self, model_values(olds), without_provider(news))
        if not failures:
            failures += checking.cloud_failures(self, model_values(olds), values)
        if not failures:
            failures += self.check_inputs(model_values(olds), values)
        return CheckResult(news, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        lifecycle.claims.hold(self.kind, id_)
        # A refresh diffs the object as read against the inputs the state recorded, which
        # an older release may have written: both are read as this release reads them.
        olds, news = self.migrated(olds), self.migrated(news)
        planned = self._planned(id_, model_values(olds), model_values(news))
        adopted = olds.get(ADOPT_ID)
        if planned.replaces and isinstance(adopted, str):
            lifecycle.claims.replacing_adopted(self.kind, adopted)
        return planned

    def _planned(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """The diff of ``olds`` (the object as it is) against ``news``."""
        changed, replaces = self.changes(olds, news)
        plan = self.replacement(olds, news) if replaces else Replacement()
        if plan.blocker is not None:
            raise GpuCloudError(
                f"{self.kind} {id_} cannot be replaced ({', '.join(replaces)} changed): "
                f"{plan.blocker}"
            )
        return DiffResult(
            changes=changed,
            replaces=replaces,
            stables=[],
            delete_before_replace=plan.delete_first,
        )

    def changes(self, olds: dict[str, Any], news: dict[str, Any]) -> tuple[bool, list[str]]:
        """(whether anything changes, the fields whose change replaces the object) from
        ``olds`` (the object as it is) to ``news``; ``status`` for a repair by replacement."""
        replaces: list[str] = []
        changed = False
        for field in self.changed_fields(olds, news):
            kind = self.change_kind(field, olds, news)
            if kind is Change.REPLACE:
                replaces.append(field)
            changed = changed or kind is not Change.NONE
        repair = self._repair(olds, news)
        if repair is Change.REPLACE:
            replaces.append("status")
        return changed or repair is not Change.NONE, replaces

    def create(self, props: dict[str, Any]) -> CreateResult:
        self.hide_secrets(props)
        inputs = self._inputs(props)
        if self._adopting(inputs.adopt_id):
            return adoption.adopt(self, str(inputs.adopt_id), props)
        state = Saved(self.inputs_model, {**inputs.model_dump(), **without_provider(props)}, inputs)
        what = self.describe(state)
        made = lifecycle.obtain(self, inputs, what)
        state.update(self.creation_facts(made.obj))
        if made.left is not None:  # an earlier run's: it gets what the inputs changed since
            self._apply_changes(self.object_id(made.obj), made.left, state, inputs, what)
        watch = lifecycle.Watch(self, made.obj, state, what)
        outputs = watch.ready_or_discarded(
            inputs,
            timeout=self.wait_timeout(state),
            record=lambda done: self._recorded(watch.object_id, done, state),
            kept=lambda last: self._kept_after_failure(last, state),
        )
        return CreateResult(watch.object_id, {**without_provider(props), **outputs})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        self.hide_secrets(props)
        lifecycle.claims.hold(self.kind, id_)
        state = self.migrated(without_provider(props))
        what = self.describe(state)
        obj = self._refreshed(id_, state)
        if obj is None:
            lifecycle.confirm_gone(self, id_, state, what)
            return ReadResult(None, {})
        if self.observe(obj).phase in (Phase.GONE, Phase.DELETING):
            return ReadResult(None, {})
        live = {**state, **self.reflect(obj, state), **self._outputs(obj, state)}
        return ReadResult(id_, live)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self.hide_secrets(olds, news)
        lifecycle.claims.hold(self.kind, id_)
        inputs = self._inputs(news)
        saved = self.migrated(without_provider(olds))
        what = self.describe({**saved, **without_provider(news)})
        self._apply_changes(id_, saved, without_provider(news), inputs, what)
        # The state from now on: the new inputs (e.g. a new name to find it by).
        state = Saved(self.inputs_model, {**saved, **without_provider(news)}, inputs)
        obj = self.fetch(id_, state)
        if obj is None:
            raise GpuCloudError(f"{what} ({id_}) no longer exists; run `pulumi refresh`")
        watch = lifecycle.Watch(self, obj, state, what)
        obj = watch.converge(inputs, timeout=self.wait_timeout(state))
        watch.answering_ssh(inputs, timeout=self.wait_timeout(state))
        return UpdateResult({**without_provider(news), **self._outputs(obj, state)})

    def _apply_changes(
        self,
        id_: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        inputs: ResourceInputs,
        what: str,
    ) -> None:
        """Apply the cloud-side changes from ``olds`` (the object as it is) to ``news``
        through the kind's ``apply``; one it did not apply fails, nothing is ignored."""
        old, new = dict(olds), dict(news)
        cloud_side = (
            {
                f
                for f in self.changed_fields(old, new)
                if self.change_kind(f, old, new) is Change.UPDATE
            }
            - self.inputs_model.local_fields()
            - self.phase_fields
        )
        applied = self.apply(id_, olds, inputs, cloud_side) if cloud_side else set()  # type: ignore[arg-type]
        ignored = cloud_side - applied
        if ignored:
            raise GpuCloudError(
                f"{what}: {', '.join(sorted(ignored))} changed but {self.kind} did not apply "
                "the change (a pulumi-gpu bug; nothing is silently ignored). The state keeps "
                "the old values"
            )

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.hide_secrets(props)
        lifecycle.claims.hold(self.kind, id_)
        state = self.migrated(without_provider(props))
        lifecycle.delete_and_wait(self, id_, state, self.describe(state))

    # -- adopting an existing object (see ``adoption``) -------------------------------

    def _adopting(self, adopt_id: Any) -> bool:
        return adoption.adopting(self, adopt_id)

    def adoptable(self, adopt_id: str, news: Mapping[str, Any]) -> dict[str, Any]:
        """The input-named values of the object ``adopt_id`` names, as it is; refused
        (GpuCloudError) if it does not exist or cannot become what ``news`` declares
        without a replacement (see ``adoption``)."""
        return adoption.adoptable(self, adopt_id, news)

    def as_found(self, obj: ObjT, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` (inputs) with the input-named values and outputs of ``obj`` as the
        cloud has it: what a diff against ``values`` reads as "the object as it is"."""
        return {**values, **self.reflect(obj, values), **self._outputs(obj, values)}

    def ownership(self, obj: ObjT, name: Any, owner: Owner | None) -> Verdict:
        """Whether ``obj`` (named ``name``) is the object of the resource ``owner`` names,
        by the marks it bears (see ``identity``)."""
        return ownership(owner, name if isinstance(name, str) else None, self.mark_of(obj))

    # -- what a kind declares: its cloud object ---------------------------------------

    def client(self) -> ApiClient:
        """The process's client of this kind's cloud (for the account identity)."""
        raise NotImplementedError

    def find(self, inputs: InputsT) -> Iterable[ObjT]:
        """The objects a create of ``inputs`` makes, found by their deterministic name
        (or key), whoever made them; the lifecycle skips those the state holds."""
        raise NotImplementedError

    def create_object(self, inputs: InputsT, token: str) -> ObjT:
        """Ask the cloud to make the object (one logical create: a kind that places it
        may try several offers, but must let an error with ``outcome_unknown`` through).
        ``token`` is the same for every retry of this create (an idempotency key)."""
        raise NotImplementedError

    def object_id(self, obj: ObjT) -> str:
        raise NotImplementedError

    def get(self, id_: str, state: Mapping[str, Any]) -> ObjT:
        """The object as the cloud has it now; NotFoundError when it does not exist."""
        raise NotImplementedError

    def observe(self, obj: ObjT) -> Observed[ObjT]:
        """The object's phase (from the kind's status map), the cloud's words, and why
        it failed; ``obj`` set."""
        raise NotImplementedError

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        """Ask the cloud to delete the object; NotFoundError when it is already gone."""
        raise NotImplementedError

    def outputs(self, obj: ObjT, state: Mapping[str, Any]) -> dict[str, Any]:
        """What a person needs next, from the object as the cloud reports it."""
        raise NotImplementedError

    # -- optional hooks -------------------------------------------------------------

    def describe(self, state: Mapping[str, Any]) -> str:
        """``"celium Pod trainer"``: the kind and the object's name, for messages."""
        return f"{self.kind} {state.get('name') or '(unnamed)'}"

    def watch(self, made: ObjT, state: Mapping[str, Any]) -> ObjT | None:
        """The object as a wait sees it, given the last look (``made``)."""
        found = self.fetch(self.object_id(made), state)
        return self.explain(found) if found is not None else None

    def explain(self, obj: ObjT) -> ObjT:
        """The object with what the cloud says about it elsewhere (a failed pod's log
        lines, a queued job's place in line); applied to every look of a wait."""
        return obj

    def list_objects(self) -> Sequence[ObjT]:
        """With ``listed``: every object of the kind in the account, in one request."""
        raise NotImplementedError

    def listing(self) -> tuple[ObjT, ...]:
        """With ``listed``: ``list_objects`` shared by this process's concurrent callers,
        from a request that started after this call (what ``find`` should filter)."""
        return lifecycle.listing_of(self).get()

    def inventory(self) -> Sequence[Inventoried]:
        """Every object of the kind in the account, with the marks it bears, for
        ``pulumi-gpu sweep``; empty for a kind whose objects another kind lists (a job's
        pod is listed by the pods)."""
        raise NotImplementedError

    def mark_of(self, obj: ObjT) -> str | None:
        """The owner mark the object bears in a field of its own, besides its name (e.g.
        RunPod's env); None where the kind keeps it only in the name, or it bears none."""
        return None

    def planned(self, props: dict[str, Any]) -> dict[str, Any]:
        """Outputs a create of ``props`` will have, known before it runs (a preview asks;
        only reads reach the cloud). The default: none beyond the inputs."""
        return {}

    def creation_facts(self, made: ObjT) -> dict[str, Any]:
        """Outputs only the create knows (what it chose: an executor, an offer), which
        the cloud's object does not repeat; kept in the state for later reads."""
        return {}

    def watch_many(self, ids: Sequence[str]) -> Mapping[str, Observed[ObjT]]:
        """With ``batched`` or ``listed``: observations of many objects from one request
        (missing: gone). A listed kind reads them from ``listing``; an object the listing
        does not show is read on its own (gone, or not listed yet), so "gone" is always
        the object's own answer."""
        if not self.listed:
            raise NotImplementedError
        listed = {self.object_id(obj): obj for obj in self.listing()}
        seen: dict[str, Observed[ObjT]] = {}
        for id_ in ids:
            obj = listed.get(id_)
            if obj is None:
                obj = self.fetch(id_, {})
            if obj is not None:
                seen[id_] = self.observe(self.explain(obj))
        return seen

    def made(self, obj: ObjT) -> bool | None:
        """Whether the object exists: True for what the cloud returned, None for a create
        the cloud has not carried out yet (queued), False for one it refused."""
        return True

    def released(self, seen: Observed[ObjT]) -> bool:
        """True if a deleted object in this state costs nothing more (besides GONE)."""
        return False

    def reflect(self, obj: ObjT, state: Mapping[str, Any]) -> dict[str, Any]:
        """Input-named values as the object really is, so ``refresh`` shows drift."""
        return {}

    def apply(
        self, id_: str, state: Mapping[str, Any], inputs: InputsT, changed: set[str]
    ) -> set[str]:
        """Apply the in-place changes of ``changed``; return the fields applied."""
        return set()

    def start_object(self, id_: str, state: Mapping[str, Any]) -> None:
        raise GpuCloudError(f"{self.kind} cannot be started")

    def stop_object(self, id_: str, state: Mapping[str, Any]) -> None:
        raise GpuCloudError(f"{self.kind} cannot be stopped")

    def desired_phase(self, values: Mapping[str, Any]) -> Phase:
        """The phase the inputs ask for (READY unless a kind can be asked to stop)."""
        return Phase.READY

    def ssh_endpoint(self, obj: ObjT, state: Mapping[str, Any]) -> tuple[str, int] | None:
        """Where a person's SSH connection goes (for ``wait_for_ssh``): the host and port
        of the ``ssh_host``/``ssh_port`` outputs, if the object has them now."""
        found = self.outputs(obj, state)
        host, port = found.get("ssh_host"), found.get("ssh_port")
        return (str(host), int(port)) if host and port else None

    def after_ready(self, obj: ObjT, inputs: InputsT) -> ObjT:
        """Steps that need the object ready (still inside the create's clean-up)."""
        return obj

    def replacement(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Replacement:
        """How to replace; a kind that must delete first checks that the new object can
        be made (offers, capacity) and gives the blocker otherwise."""
        return Replacement(delete_first=self.delete_before_replace)

    def check_inputs(
        self, olds: Mapping[str, Any], values: Mapping[str, Any]
    ) -> list[CheckFailure]:
        """Checks that need the cloud (an offer or a location exists), at preview; called
        once the inputs are valid. ``values`` may still hold unknowns during a preview."""
        return []

    def reference_exists(self, field: str, value: str) -> bool | None:
        """Whether the object a reference input (``references``) names exists; None where
        the kind cannot tell. Called at preview for a value the state does not hold yet."""
        return None

    def choices(self, field: str) -> checking.Choices | None:
        """What the cloud takes for ``field`` where it keeps a list (its GPU catalog, its
        data centers), asked at preview for a value the state does not hold yet; None for
        the other inputs."""
        return None

    def price_cap(self, inputs: InputsT) -> PriceCap | None:
        """The ceiling ``inputs`` put on the price and the offers it is held against, for
        the core's one rule (``pricing``); None where they set none."""
        return None

    def check_change(self, old: InputsT, new: InputsT) -> list[CheckFailure]:
        """Rules comparing the previous inputs with the new ones (e.g. no shrinking)."""
        return []

    def change_kind(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> Change:
        """How a change of ``field`` applies; the default follows the field's policy."""
        model = self.inputs_model
        if field in model.replace_fields():
            return Change.REPLACE
        if field == ALLOW_REPLACEMENT:
            return Change.NONE  # a confirmation, not a property of the object
        return Change.UPDATE

    def wait_timeout(self, state: Mapping[str, Any]) -> float:
        """The state's ``wait_timeout`` (its input's default where it has none; kinds
        without one: :attr:`default_wait_timeout`)."""
        if "wait_timeout" not in self.inputs_model.model_fields or not state:
            return self.default_wait_timeout
        return float(getattr(self.saved(state), "wait_timeout", self.default_wait_timeout))

    # -- the lifecycle's helpers ----------------------------------------------------

    def fetch(self, id_: str, state: Mapping[str, Any]) -> ObjT | None:
        """The object as the cloud has it now; None when the cloud says it does not exist."""
        try:
            return self.get(id_, state)
        except NotFoundError:
            return None

    def changed_fields(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        """Input fields whose new value differs from the old one (unknown counts as changed)."""
        return changed_fields(self.inputs_model, olds, news)

    def _outputs(self, obj: ObjT, state: Mapping[str, Any]) -> dict[str, Any]:
        seen = self.observe(obj)
        return self.shown(
            {
                **self.outputs(obj, state),
                "status": seen.phase.value,
                "cloud_status": seen.status,
                "account": self.client().account(),
                SCHEMA_VERSION_KEY: self.schema_version,
            }
        )

    def hide_secrets(self, *values: Mapping[str, Any]) -> None:
        """Remember the secret inputs' values of ``values`` (inputs or states): no message
        or output of this process shows them from now on (see ``log``)."""
        for found in values:
            hide(self.inputs_model.secret_values(found))

    def shown(self, outputs: Mapping[str, Any]) -> dict[str, Any]:
        """``outputs`` as the state may hold them: what the cloud derived from a run (a
        log, a reason) with every secret value replaced; inputs and secret outputs (the
        secrets themselves, which the state encrypts) as they are."""
        kept = set(self.inputs_model.model_fields) | self.secret_outputs
        return {k: v if k in kept else redacted(v) for k, v in outputs.items()}

    def _refreshed(self, id_: str, state: Mapping[str, Any]) -> ObjT | None:
        """The object as a refresh reads it; refused credentials are explained."""
        try:
            return self.fetch(id_, state)
        except AuthenticationError as exc:
            raise GpuCloudError(
                f"{self.describe(state)} ({id_}) cannot be read with the configured "
                f"credentials ({exc.message}); are they another account's?"
            ) from exc

    def _recorded(self, id_: str, obj: ObjT, state: Mapping[str, Any]) -> dict[str, Any]:
        """The outputs a create records for the object it made ready."""
        return self._outputs(obj, state)

    def _kept_after_failure(self, last: ObjT, state: Mapping[str, Any]) -> dict[str, Any] | None:
        """What the state may keep (inputs and outputs) of an object whose create failed
        and was cleaned up (``last``: how it was last seen); None, the default: nothing."""
        return None

    def _repair(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Change:
        """What brings back an object that refresh found failed or in the wrong phase."""
        status = olds.get("status")
        if status == Phase.FAILED.value:
            return Change.REPLACE
        want = Phase.READY if contains_unknown(news) else self.desired_phase(news)
        if status == Phase.STOPPED.value and want is Phase.READY:
            return Change.UPDATE if self.startable else Change.REPLACE
        if status in (Phase.READY.value, Phase.PENDING.value) and want is Phase.STOPPED:
            return Change.UPDATE
        return Change.NONE

    def _inputs(self, props: Mapping[str, Any]) -> ResourceInputs:
        """The inputs ``props`` hold, with their owner; a name the cloud gave an object
        before pulumi-gpu named them is, for a new object, the one the program proposes."""
        inputs = self.inputs_model.model_validate(model_values(props))
        if "name" in self.inputs_model.model_fields and getattr(inputs, "name", None) is None:
            inputs = inputs.model_copy(update={"name": props.get(DEFAULT_NAME_KEY)})
        return inputs.owned_by(Owner.parse(props.get(OWNER_KEY)))

    def migrated(self, state: Mapping[str, Any]) -> Saved[InputsT]:
        """``state`` (saved inputs or outputs, of any release) as this release's kind reads
        it: each of :attr:`migrations` from the state's version on, applied in turn, and
        the version it now has recorded (whichever path saves it, it is not migrated again)."""
        version = int(state.get(SCHEMA_VERSION_KEY) or 0)
        found = dict(state)
        for step in range(version, self.schema_version):
            migrate = self.migrations.get(step)
            if migrate is not None:
                found = migrate(found)
        found[SCHEMA_VERSION_KEY] = max(version, self.schema_version)
        return Saved(self.inputs_model, found)  # type: ignore[arg-type]

    def saved(self, state: Mapping[str, Any]) -> InputsT:
        """The inputs ``state`` holds, as the kind's model types them (validated once for a
        state the core read; see :class:`~pulumi_gpu.core.inputs.Saved`)."""
        read = state if isinstance(state, Saved) else Saved(self.inputs_model, state)
        return cast(InputsT, read.inputs)
