"""A resource's inputs: one pydantic model per kind, and what each field's change does.

Every input field is declared with exactly one update policy in its
``json_schema_extra`` (a test fails for an undeclared field):

- :data:`REPLACES` (or :data:`DESTROYS_DATA`, or :func:`references`): a change replaces
  the cloud object;
- :data:`UPDATES`: the cloud changes it in place (the kind's ``apply`` must report it);
- :data:`LOCAL`: it changes only how pulumi-gpu works (a timeout, a confirmation).

Where a kind's ``change_kind`` treats some changes otherwise (a new requirement the
running machine still satisfies changes nothing), :func:`with_exception` says so beside
the policy, not in the description: a description is shared by every kind that inherits
the field, and a policy may differ between them (a job replaces what a pod updates).
:func:`policy_of` reads the one policy back, for the diff, the schema and the reference.

Secrets are a type, not a habit: :data:`EnvVars` and :data:`Secret` fields (and any field
marked :data:`SECRET`) are encrypted in the state, may come from ``{config:}``/``{env:}``
in a fleet file, and are never echoed by a check failure.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Generic, TypeVar, cast, get_args

from pulumi.output import Unknown
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, ValidationError
from pydantic_core import ErrorDetails
from typing_extensions import Self

from pulumi_gpu.core.budget import Price
from pulumi_gpu.core.checks import check_env_names
from pulumi_gpu.core.identity import DEFAULT_NAME_KEY, OWNER_KEY, Owner

REPLACES: dict[str, Any] = {"replaceOnChange": True}
"""``Field(json_schema_extra=REPLACES)``: changing this input replaces the resource."""

UPDATES: dict[str, Any] = {"updateInPlace": True}
"""``Field(json_schema_extra=UPDATES)``: the cloud applies a change of this input in place."""

LOCAL: dict[str, Any] = {"local": True}
"""``Field(json_schema_extra=LOCAL)``: this input only tunes pulumi-gpu (no cloud change)."""


@dataclass(frozen=True)
class Renamed:
    """An input renamed by a release: its new name, and the minor release that will no
    longer take the old one."""

    to: str
    since: str
    until: str = "0.3.0"

    def warning(self, old: str) -> str:
        return (
            f"input '{old}' was renamed '{self.to}' in {self.since}: it is taken as "
            f"'{self.to}' until {self.until}; please write '{self.to}'"
        )


def renamed_inputs(
    model: type[ResourceInputs], given: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """``given`` with old input names as their new ones, and a warning for each (a name
    given both ways is left for validation to refuse, as an unknown input)."""
    found = dict(given)
    warnings = []
    for old, rename in model.renamed.items():
        if old in found and rename.to not in found:
            found[rename.to] = found.pop(old)
            warnings.append(f"{old}: {rename.warning(old)}")
    return found, warnings


def wait_timeout_field(seconds: float, what: str) -> Any:
    """The ``wait_timeout`` input of a kind that waits: ``seconds`` by default, to wait
    ``what`` (e.g. "for RUNNING"); it only tunes pulumi-gpu."""
    return Field(seconds, gt=0, description=f"Seconds to wait {what}.", json_schema_extra=LOCAL)


SECRET: dict[str, Any] = {"secret": True}
"""Merge into ``json_schema_extra``: this input is a secret (kept encrypted in state)."""

DESTROYS_DATA: dict[str, Any] = {"replaceOnChange": True, "destroysData": True}
"""``Field(json_schema_extra=DESTROYS_DATA)``: changing this input replaces a resource that
holds data, which deletes the data. Such a change is refused at preview unless the
inputs also set ``allow_replacement=True`` (the model must declare that field)."""

PROVIDER_KEY = "__provider"
SCHEMA_VERSION_KEY = "schema_version"
"""The output that says which version of its kind's state a resource's state is."""
CORE_KEYS = (PROVIDER_KEY, OWNER_KEY, DEFAULT_NAME_KEY, SCHEMA_VERSION_KEY)
"""Properties the core keeps beside a kind's inputs: the serialized provider, the owner,
the name a program proposes, the state's version."""

POLICIES = ("replaceOnChange", "updateInPlace", "local")
"""The keys of the update policies; a field's ``json_schema_extra`` sets exactly one."""
EXCEPTION = "changeException"
"""The key of a policy's exception (see :func:`with_exception`)."""
POLICY_KEYS = (*POLICIES, "destroysData", EXCEPTION)
"""Every key that says what a change does: a property of the schema carries them all."""
ALLOW_REPLACEMENT = "allow_replacement"
ADOPT_ID = "adopt_id"


def with_exception(policy: dict[str, Any], exception: str) -> dict[str, Any]:
    """``Field(json_schema_extra=with_exception(REPLACES, "a change the rented machine
    still satisfies changes nothing"))``: ``policy``, and in words the changes the kind's
    ``change_kind`` treats otherwise. The reference shows it with the policy; a kind that
    redeclares the field's policy (a job: every change replaces it) drops it."""
    return {**policy, EXCEPTION: exception}


def policy_of(extra: object) -> str | None:
    """The one update policy (a :data:`POLICIES` key) that ``extra`` declares: a field's
    ``json_schema_extra``, or its property in the JSON Schema; None if it declares none
    or several."""
    declared = [key for key in POLICIES if isinstance(extra, Mapping) and extra.get(key)]
    return declared[0] if len(declared) == 1 else None


def policy_extra(extra: object) -> dict[str, Any]:
    """What ``extra`` says about a change (its :data:`POLICY_KEYS`), to carry elsewhere."""
    found = extra if isinstance(extra, Mapping) else {}
    return {k: v for k, v in found.items() if k in POLICY_KEYS}


class _SecretValue:
    """Annotation metadata: values of this type are secrets."""

    def __repr__(self) -> str:
        return "SecretValue"


SECRET_VALUE = _SecretValue()


def _env_names(value: dict[str, str]) -> dict[str, str]:
    check_env_names(value)
    return value


EnvVars = Annotated[dict[str, str], SECRET_VALUE, AfterValidator(_env_names)]
"""Environment variables: names checked, values secret (they often hold tokens)."""

Secret = Annotated[str, SECRET_VALUE]
"""A password or token: encrypted in the state, never echoed."""


def references(section: str, *, output: str = "id", replaces: bool = True) -> dict[str, Any]:
    """``Field(json_schema_extra=references("templates"))``: this input holds the id (or
    the ``output``, e.g. "name") of another resource of the same cloud; in a fleet file
    it may name a ``section`` entry instead (``template: vllm`` for ``template_id``)."""
    policy = REPLACES if replaces else UPDATES
    return {"references": section, "referenceOutput": output, **policy}


class ResourceInputs(BaseModel):
    """Base of a resource's inputs. Unknown fields are errors: they catch typos.

    Besides its fields, a resource's inputs carry its :attr:`owner` (set by the core, not
    by the user): the mark a create puts on the object where its cloud has room for one.
    """

    model_config = ConfigDict(extra="forbid")
    _owner: Owner | None = PrivateAttr(None)
    renamed: ClassVar[Mapping[str, Renamed]] = {}
    """Old input name -> its new name, and the release that renamed it: the old name is
    accepted (in Python and in fleet files) with a warning until ``until``."""

    @property
    def owner(self) -> Owner | None:
        """Whose object a create of these inputs makes (None: a caller outside a program)."""
        return self._owner

    def owned_by(self, owner: Owner | None) -> Self:
        """These inputs, as the resource of ``owner`` declares them."""
        self._owner = owner
        return self

    adopt_id: str | None = Field(
        None,
        min_length=1,
        description=(
            "Take over the existing cloud object with this id instead of creating one "
            "(`pulumi import` does not work for dynamic providers). The object must match "
            "the inputs where a change would replace it; other differences are applied as "
            "an update. From then on it is managed like any other: `pulumi destroy` "
            "deletes it. Used only when the resource is created."
        ),
        json_schema_extra=LOCAL,
    )

    def hourly_price(self) -> Price:
        """The most the object may cost per hour, for a budget (see ``core.budget``);
        machine kinds say it, from a declared ceiling or the catalog."""
        return Price(None, "not a machine (storage and templates are not counted)")

    @classmethod
    def marked(cls, marker: str) -> frozenset[str]:
        """Names of the fields whose ``json_schema_extra`` sets ``marker``."""
        return frozenset(
            name
            for name, info in cls.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get(marker)
        )

    @classmethod
    def replace_fields(cls) -> frozenset[str]:
        """Fields whose change replaces the resource."""
        return cls.marked("replaceOnChange")

    @classmethod
    def local_fields(cls) -> frozenset[str]:
        """Fields that only tune pulumi-gpu: a change needs no call to the cloud."""
        return cls.marked("local")

    @classmethod
    def reference_fields(cls) -> dict[str, str]:
        """Fields holding other objects' ids (or names) -> what they name (e.g. "disks")."""
        return {
            name: str(info.json_schema_extra["references"])
            for name, info in cls.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("references")
        }

    @classmethod
    def data_fields(cls) -> frozenset[str]:
        """Fields whose change replaces the resource and deletes its data."""
        return cls.marked("destroysData")

    @classmethod
    def secret_fields(cls) -> frozenset[str]:
        """Fields holding secrets: marked :data:`SECRET` or typed :data:`EnvVars`/:data:`Secret`."""
        typed = {
            name
            for name, info in cls.model_fields.items()
            if any(m is SECRET_VALUE for m in info.metadata) or _secret_type(info.annotation)
        }
        return cls.marked("secret") | typed

    @classmethod
    def secret_values(cls, values: Mapping[str, Any]) -> set[str]:
        """The texts the secret fields of ``values`` (inputs, or a state) hold."""
        found: set[str] = set()
        for name in cls.secret_fields():
            found |= _texts(values.get(name))
        return found

    @classmethod
    def redeclare(cls, policies: Mapping[str, dict[str, Any]]) -> None:
        """Give fields this class inherits another policy here (their exceptions dropped,
        as they were the old policy's), e.g. a job's placement inputs, which replace a job
        where they update a pod. For ``__pydantic_init_subclass__``: the fields, and so the
        JSON Schema and every ``*_fields()``, then say the one policy this class has."""
        changed = False
        for name, policy in policies.items():
            info = cls.model_fields[name]
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            redeclared = {**{k: v for k, v in extra.items() if k not in POLICY_KEYS}, **policy}
            if redeclared != extra:
                field = copy.copy(info)  # the parent keeps its own
                field.json_schema_extra = redeclared
                cls.__pydantic_fields__[name] = field
                changed = True
        if changed:
            cls.model_rebuild(force=True)

    @classmethod
    def undeclared_fields(cls) -> list[str]:
        """Fields without exactly one update policy (each must have one)."""
        return [
            name
            for name, info in cls.model_fields.items()
            if policy_of(info.json_schema_extra) is None
        ]


class MachineInputs(ResourceInputs):
    """Inputs of a machine a person logs into."""

    wait_for_ssh: bool = Field(
        True,
        description=(
            "Ready means you can log in: after the cloud reports the machine running, wait "
            "(within wait_timeout) until its SSH port answers with an SSH banner, else "
            "fail and delete it. False: ready as soon as the cloud says so."
        ),
        json_schema_extra=LOCAL,
    )


def _secret_type(annotation: Any) -> bool:
    """True if a type is, or wraps (``Secret | None``), a secret type."""
    if any(m is SECRET_VALUE for m in getattr(annotation, "__metadata__", ())):
        return True
    return any(_secret_type(arg) for arg in get_args(annotation))


M = TypeVar("M", bound=ResourceInputs)


class Saved(dict[str, Any], Generic[M]):
    """A resource's saved state as this release reads it (migrated: see
    ``GpuProvider.migrated``): its inputs and outputs, with the inputs validated into the
    kind's model once, on first use (:attr:`inputs`: typed values, defaults in one place)."""

    def __init__(self, model: type[M], values: Mapping[str, Any], inputs: M | None = None):
        super().__init__(values)
        self._model = model
        self._inputs = inputs

    @property
    def inputs(self) -> M:
        if self._inputs is None:
            fields = {k: v for k, v in self.items() if k in self._model.model_fields}
            self._inputs = _readable(self._model, fields)
        return self._inputs


def _readable(model: type[M], fields: dict[str, Any]) -> M:
    """``fields`` as ``model`` types them. A value written under rules this release has
    since tightened is kept as saved, every other one still typed (a duration as seconds,
    a number the engine gives as a float as the int it is)."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        refused = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
    try:
        typed = model.model_validate({k: v for k, v in fields.items() if k not in refused})
    except ValidationError:  # a rule across fields, or a required one refused: as saved
        return cast(M, model.model_construct(**fields))
    return typed.model_copy(update={k: fields[k] for k in refused if k in fields})


def without_provider(props: Mapping[str, Any]) -> dict[str, Any]:
    """The state of a resource: ``props`` without the serialized provider."""
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}


def model_values(props: Mapping[str, Any]) -> dict[str, Any]:
    """What a kind's inputs model validates: ``props`` without the core's own keys."""
    return {k: v for k, v in props.items() if k not in CORE_KEYS}


def _texts(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, Mapping):
        return {t for v in value.values() for t in _texts(v)}
    if isinstance(value, (list, tuple)):
        return {t for v in value for t in _texts(v)}
    return set()


def contains_unknown(value: Any) -> bool:
    """True if a preview value is, or holds, a value not known until apply."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False


def looks_private(value: Any) -> bool:
    """True if a value is, or holds, something that looks like a private key."""
    if isinstance(value, str):
        return "PRIVATE KEY" in value or "PuTTY-User-Key-File" in value
    if isinstance(value, Mapping):
        return any(looks_private(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(looks_private(v) for v in value)
    return False


def property_path(loc: tuple[int | str, ...]) -> str:
    """('ports', 1, 'x') -> 'ports[1].x', the form Pulumi shows for a property."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def unknown_paths(value: Any, prefix: tuple[int | str, ...] = ()) -> list[tuple[int | str, ...]]:
    """Where a preview value holds values not known until apply."""
    if isinstance(value, Unknown):
        return [prefix]
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in unknown_paths(v, (*prefix, k))]
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value) for p in unknown_paths(v, (*prefix, i))]
    return []


def under_unknown(loc: tuple[int | str, ...], unknown: list[tuple[int | str, ...]]) -> bool:
    """True if an error at ``loc`` cannot be judged because a value there is unknown."""
    if not unknown:
        return False
    if not loc:  # a rule over several fields: cannot be judged while any is unknown
        return True
    return any(loc[: len(path)] == path for path in unknown)


def explain(err: ErrorDetails, model: type[BaseModel]) -> str:
    """One pydantic error as a sentence a user can act on (never echoing a secret)."""
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        fields = sorted(_fields_at(model, loc[:-1]))
        close = difflib.get_close_matches(name, fields, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown input '{name}'{hint}; allowed: {', '.join(fields)}"
    if err["type"] == "missing":
        return "required input is missing"
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if err["type"] != "value_error" and "input" in err and not hides_value(err, model):
        return f"{message} (got {show(err['input'])})"
    return message


def hides_value(err: ErrorDetails, model: type[BaseModel]) -> bool:
    """True if the value behind an error must not be shown: a secret or a private key."""
    loc = tuple(err["loc"])
    secrets = model.secret_fields() if issubclass(model, ResourceInputs) else frozenset()
    return (bool(loc) and loc[0] in secrets) or looks_private(err.get("input"))


def _fields_at(model: Any, loc: tuple[int | str, ...]) -> set[str]:
    """The field names of the model found at ``loc`` (nested models, lists, optionals)."""
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(model, "model_fields", {}).get(part)
        annotation = getattr(info, "annotation", None)
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        model = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
        if model is None:
            return set()
    return set(getattr(model, "model_fields", {}))


def differing(
    model: type[ResourceInputs],
    fields: Iterable[str],
    live: Mapping[str, Any],
    news: Mapping[str, Any],
) -> str:
    """How ``fields`` differ between an object (``live``) and the inputs (secrets unshown)."""
    secrets = model.secret_fields()
    return "; ".join(
        f"{field} differs (secret)"
        if field in secrets
        else f"{field} is {show(live.get(field))}, declared {show(news.get(field))}"
        for field in fields
    )


def show(value: Any) -> str:
    """A value as a short ``repr`` for messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def changed_fields(
    model: type[ResourceInputs], olds: Mapping[str, Any], news: Mapping[str, Any]
) -> list[str]:
    """The fields of ``model`` whose new value differs from the old (unknown counts as
    changed; a field absent on either side has its default)."""
    changed = []
    for name, info in model.model_fields.items():
        default = info.get_default(call_default_factory=True)
        new = news.get(name, default)
        old = olds.get(name, default)
        if contains_unknown(new) or (new != old and _differs(old, new)):
            changed.append(name)
    return changed


def _differs(old: Any, new: Any) -> bool:
    """Whether two values that ``==`` tells apart differ as inputs (DeepDiff also holds NaN
    equal to NaN). Reached only past ``==``, which settles most fields for a hundredth of
    DeepDiff's cost; imported on first use, as its import takes a fifth of a second."""
    from deepdiff import DeepDiff

    return bool(DeepDiff(old, new, ignore_numeric_type_changes=True))
