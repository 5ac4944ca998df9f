"""The base of every pulumi-gpu dynamic provider.

A resource kind is three things: a pydantic model of its inputs (the single source
of validation, descriptions and update policy), a :class:`GpuProvider` subclass that
talks to the cloud, and a resource class the user instantiates. This module turns the
engine's calls into those hooks:

- ``check`` validates the inputs with the model and turns every mistake into a
  ``CheckFailure`` naming the field and what is allowed. Values still unknown during a
  preview are not judged. ``check_change`` adds rules that compare old and new inputs.
- ``diff`` compares each input field (deepdiff, numbers compared by value) and
  classifies a changed field as an in-place update or a replacement: fields whose
  ``json_schema_extra`` carries :data:`REPLACES` replace the resource, others update
  in place, and ``change_kind`` can decide case by case. ``__provider`` is ignored;
  the result is always explicit.
- ``create``/``update``/``read`` return the inputs together with the cloud's outputs,
  because the engine hands the outputs back as "olds" to ``diff``, ``update``,
  ``read`` and ``delete``.

Providers hold no state: credentials and clients live in the process (see ``config``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from enum import Enum
from typing import Any, ClassVar, Generic, TypeVar

from deepdiff import DeepDiff
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
from pulumi.output import Unknown
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.workers import raise_worker_limit

PROVIDER_KEY = "__provider"

REPLACES: dict[str, Any] = {"replaceOnChange": True}
"""``Field(json_schema_extra=REPLACES)``: changing this input replaces the resource."""

SECRET: dict[str, Any] = {"secret": True}
"""``Field(json_schema_extra=SECRET)``: this input is a secret (kept encrypted in state)."""

DESTROYS_DATA: dict[str, Any] = {"replaceOnChange": True, "destroysData": True}
"""``Field(json_schema_extra=DESTROYS_DATA)``: changing this input replaces a resource that
holds data, which deletes the data. Such a change is refused at preview unless the
inputs also set ``allow_replacement=True`` (the model must declare that field)."""

ALLOW_REPLACEMENT = "allow_replacement"


def references(section: str, *, output: str = "id", replaces: bool = True) -> dict[str, Any]:
    """``Field(json_schema_extra=references("templates"))``: this input holds the id (or
    the ``output``, e.g. "name") of another resource of the same cloud; in a fleet file
    it may name a ``section`` entry instead (``template: vllm`` for ``template_id``)."""
    return {"references": section, "referenceOutput": output, **(REPLACES if replaces else {})}


class ResourceInputs(BaseModel):
    """Base of a resource's inputs. Unknown fields are errors: they catch typos."""

    model_config = ConfigDict(extra="forbid")

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
    def data_fields(cls) -> frozenset[str]:
        """Fields whose change replaces the resource and deletes its data."""
        return cls.marked("destroysData")

    @classmethod
    def secret_fields(cls) -> frozenset[str]:
        """Fields holding secrets."""
        return cls.marked("secret")


class Change(Enum):
    """What a changed input does to the resource."""

    NONE = "none"
    UPDATE = "update"
    REPLACE = "replace"


InputsT = TypeVar("InputsT", bound=ResourceInputs)


def contains_unknown(value: Any) -> bool:
    """True if a preview value is, or holds, a value not known until apply."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
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


def _unknown_paths(value: Any, prefix: tuple[int | str, ...] = ()) -> list[tuple[int | str, ...]]:
    if isinstance(value, Unknown):
        return [prefix]
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _unknown_paths(v, (*prefix, k))]
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value) for p in _unknown_paths(v, (*prefix, i))]
    return []


class GpuProvider(ResourceProvider, Generic[InputsT]):
    """Engine-facing half of a resource kind; subclasses implement the ``*_resource`` hooks."""

    inputs_model: ClassVar[type[ResourceInputs]]
    kind: ClassVar[str]
    """Human name of the kind, e.g. ``"celium Pod"``; used in messages."""
    delete_before_replace: ClassVar[bool] = False

    # -- engine entry points --------------------------------------------------------

    def configure(self, req: ConfigureRequest) -> None:
        use_stack_config(req.config)
        raise_worker_limit()

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        values = _without_provider(news)
        failures = self._validation_failures(values) + self._data_loss_failures(olds, values)
        if not failures and not contains_unknown(values) and olds:
            old_values = _without_provider(olds)
            if not contains_unknown(old_values):
                try:
                    old = self.inputs_model.model_validate(old_values)
                except ValidationError:
                    old = None  # state from an older release; nothing to compare with
                if old is not None:
                    new = self.inputs_model.model_validate(values)
                    failures += self.check_change(old, new)  # type: ignore[arg-type]
        return CheckResult(news, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces: list[str] = []
        changed = False
        for field in self.changed_fields(olds, news):
            kind = self.change_kind(field, olds, news)
            if kind is Change.REPLACE:
                replaces.append(field)
            changed = changed or kind is not Change.NONE
        return DiffResult(
            changes=changed,
            replaces=replaces,
            stables=[],
            delete_before_replace=self.delete_before_replace,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self._inputs(props)
        id_, outputs = self.create_resource(inputs)  # type: ignore[arg-type]
        return CreateResult(id_, {**_without_provider(props), **outputs})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        state = _without_provider(props)
        live = self.read_resource(id_, state)
        if live is None:
            return ReadResult(None, {})
        return ReadResult(id_, {**state, **live})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self._inputs(news)
        state = _without_provider(olds)
        changed = set(self.changed_fields(olds, news))
        outputs = self.update_resource(id_, state, inputs, changed)  # type: ignore[arg-type]
        return UpdateResult({**_without_provider(news), **outputs})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.delete_resource(id_, _without_provider(props))

    # -- policy hooks ---------------------------------------------------------------

    def check_change(self, old: InputsT, new: InputsT) -> list[CheckFailure]:
        """Rules comparing the previous inputs with the new ones (e.g. no shrinking)."""
        return []

    def change_kind(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> Change:
        """How a change of ``field`` applies; the default follows the field's marker."""
        if field in self.inputs_model.replace_fields():
            return Change.REPLACE
        return Change.UPDATE

    # -- cloud hooks ----------------------------------------------------------------

    def create_resource(self, inputs: InputsT) -> tuple[str, dict[str, Any]]:
        """Create, wait until usable, return (id, outputs). Clean up before raising."""
        raise NotImplementedError

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        """The live outputs, or None when the object is gone."""
        raise NotImplementedError

    def update_resource(
        self, id_: str, state: dict[str, Any], inputs: InputsT, changed: set[str]
    ) -> dict[str, Any]:
        """Apply in-place changes of ``changed`` fields; return the full outputs."""
        raise NotImplementedError

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        """Delete and wait until gone; an object already gone is success."""
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------------

    def changed_fields(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        """Input fields whose new value differs from the old one (unknown counts as changed)."""
        changed = []
        for name, info in self.inputs_model.model_fields.items():
            default = info.get_default(call_default_factory=True)
            new = news.get(name, default)
            old = olds.get(name, default)
            if contains_unknown(new) or DeepDiff(old, new, ignore_numeric_type_changes=True):
                changed.append(name)
        return changed

    def _inputs(self, props: dict[str, Any]) -> ResourceInputs:
        return self.inputs_model.model_validate(_without_provider(props))

    def _data_loss_failures(self, olds: dict[str, Any], news: dict[str, Any]) -> list[CheckFailure]:
        """Refuse a change that would replace a data-holding resource, unless allowed."""
        guarded = self.inputs_model.data_fields()
        if not olds or not guarded or news.get(ALLOW_REPLACEMENT) is True:
            return []
        return [
            CheckFailure(
                field,
                f"changing {field} replaces this {self.kind}, which deletes the data on it; "
                f"keep the old value ({_show(olds.get(field))}), or set {ALLOW_REPLACEMENT}=true "
                "for this update to confirm",
            )
            for field in sorted(guarded & set(self.changed_fields(olds, news)))
        ]

    def _validation_failures(self, values: dict[str, Any]) -> list[CheckFailure]:
        try:
            self.inputs_model.model_validate(values)
        except ValidationError as exc:
            unknown = _unknown_paths(values)
            return [
                CheckFailure(
                    property_path(err["loc"]) or self.kind, explain(err, self.inputs_model)
                )
                for err in exc.errors(include_url=False)
                if not _under_unknown(tuple(err["loc"]), unknown)
            ]
        return []


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
    secrets = model.secret_fields() if issubclass(model, ResourceInputs) else frozenset()
    secret = bool(loc) and loc[0] in secrets
    if err["type"] != "value_error" and "input" in err and not secret:
        return f"{message} (got {_show(err['input'])})"
    return message


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


def _without_provider(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}


def _under_unknown(loc: tuple[int | str, ...], unknown: list[tuple[int | str, ...]]) -> bool:
    if not unknown:
        return False
    if not loc:  # a rule over several fields: cannot be judged while any is unknown
        return True
    return any(loc[: len(path)] == path for path in unknown)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
