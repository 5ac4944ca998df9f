"""One name per GPU chip, whatever each cloud calls it.

RunPod says ``NVIDIA H100 80GB HBM3``, Celium ``NVIDIA H100 80GB HBM3``, Prime Intellect
``H100_80GB``, GPU Dev ``h100``: the same chip. :func:`normalize` reads any of these
spellings into a :class:`Gpu` (model, memory per GPU, form factor) whose ``name`` is the
same on every cloud (``H100 80GB``); :meth:`Gpu.satisfies` is how a request such as
``H100`` or ``A100 80GB SXM`` is matched against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Gpu", "form_of", "normalize", "with_form"]

_NOISE_WORDS = {"NVIDIA", "GEFORCE", "AMD", "INSTINCT", "TESLA", "RADEON", "GENERATION"}
_FORMS = {
    "SXM": "SXM",
    "SXM4": "SXM",
    "SXM5": "SXM",
    "SXM6": "SXM",
    "HBM3": "SXM",
    "PCIE": "PCIe",
    "NVL": "NVL",
}
_FORM_WORDS = set(_FORMS) | {"OAM"}
_MEMORY = re.compile(r"^(\d+)GB$")

_SIZES: dict[str, tuple[int, ...]] = {
    "A100": (40, 80),
    "B200": (180,),
    "B300": (262,),
    "H100": (80, 94),
    "H200": (141,),
    "L40S": (48,),
    "L40": (48,),
    "L4": (24,),
    "T4": (16,),
    "A10G": (24,),
    "A10": (24,),
    "A40": (48,),
    "MI300X": (192,),
    "RTX 3090": (24,),
    "RTX 4090": (24,),
    "RTX 5090": (32,),
    "RTX A4000": (16,),
    "RTX A5000": (24,),
    "RTX A6000": (48,),
    "RTX 6000 Ada": (48,),
    "V100": (16, 32),
}
"""The memory sizes (GB per GPU) each model is sold in. A cloud's own figure is read as
the nearest of them (clouds round GiB and GB differently: 141 or 143 for an H200)."""
_FORMED = {"A100", "H100", "H200", "B200", "B300", "V100"}
"""Models built as SXM and PCIe (or NVL) cards; for the others a form factor is noise."""
_NVL_MEMORY = {"H100": 94}
_USUAL_MEMORY = {"H100": 80}
"""Models sold in several sizes, with the one a name without a size means (PCIe, SXM)."""


@dataclass(frozen=True)
class Gpu:
    """A GPU chip: ``model`` (``H100``, ``RTX 4090``), memory per GPU, form factor."""

    model: str
    memory_gb: int | None = None
    form: str | None = None
    """``SXM``, ``PCIe`` or ``NVL`` where the name says so."""

    @property
    def name(self) -> str:
        """The chip's name on every cloud: ``H100 80GB``, ``A100 80GB SXM``."""
        parts = [self.model]
        if self.memory_gb is not None:
            parts.append(f"{self.memory_gb}GB")
        if self.form is not None:
            parts.append(self.form)
        return " ".join(parts)

    def satisfies(self, wanted: Gpu) -> bool:
        """True if this chip is what ``wanted`` (parsed from a request) asks for.

        The model must be the same; memory and form only where the request names them.
        """
        return (
            self.model == wanted.model
            and (wanted.memory_gb is None or self.memory_gb == wanted.memory_gb)
            and (wanted.form is None or self.form == wanted.form)
        )


def normalize(cloud_name: str, memory_gb: int | None = None, *, request: bool = False) -> Gpu:
    """The chip a cloud's GPU name means; ``memory_gb`` is the cloud's own figure, if any.

    With ``request``, the name is what a person asks for: a memory size it leaves out
    stays open (``H100`` is any H100) instead of being the model's usual size.

    >>> normalize("NVIDIA A100-SXM4-80GB").name
    'A100 80GB SXM'
    >>> normalize("RTX6000Ada_48GB").name
    'RTX 6000 Ada 48GB'
    """
    words = re.sub(r"[_\-/]+", " ", cloud_name).split()
    model_words: list[str] = []
    form: str | None = None
    for word in words:
        upper = word.upper()
        size = _MEMORY.match(upper)
        if upper in _NOISE_WORDS:
            continue
        if size:
            memory_gb = memory_gb or int(size.group(1))
        elif upper in _FORM_WORDS:
            form = _FORMS.get(upper, form)
        else:
            model_words.extend(_split_model(word))
    model = _canonical(model_words)
    return with_form(Gpu(model, _memory(model, form, memory_gb, request)), form)


def with_form(chip: Gpu, form: str | None) -> Gpu:
    """``chip`` in form factor ``form``, for models built in several (A100 SXM or PCIe)."""
    return Gpu(chip.model, chip.memory_gb, form if chip.model in _FORMED else None)


def form_of(word: str | None) -> str | None:
    """The form factor a cloud's socket or interface word names (``SXM5`` -> ``SXM``)."""
    return _FORMS.get((word or "").upper())


def _memory(model: str, form: str | None, reported: int | None, request: bool) -> int | None:
    sizes = _SIZES.get(model, ())
    if reported is not None:
        near = [s for s in sizes if abs(s - reported) <= 0.06 * s]
        return near[0] if near else reported
    if request:
        return None
    if form == "NVL":
        return _NVL_MEMORY.get(model)
    if model in _USUAL_MEMORY:
        return _USUAL_MEMORY[model]
    return sizes[0] if len(sizes) == 1 else None


def _split_model(word: str) -> list[str]:
    """Split a model word: ``RTX4090`` -> ``RTX 4090``, ``RTX6000Ada`` -> ``RTX 6000 Ada``,
    ``A6000`` -> ``RTX A6000`` and ``4090`` -> ``RTX 4090``."""
    rtx = re.fullmatch(r"(?i)rtx(\d{4})(ti|ada)?", word)
    if rtx:
        return ["RTX", rtx.group(1), *([rtx.group(2)] if rtx.group(2) else [])]
    if re.fullmatch(r"[2-5]0[5-9]0", word):  # "4090" alone is the GeForce card
        return ["RTX", word]
    workstation = re.fullmatch(r"(?i)a([2-6]\d{3})", word)
    if workstation:  # the Ampere workstation cards are the "RTX Axxxx"
        return ["RTX", f"A{workstation.group(1)}"]
    return [word]


def _canonical(words: list[str]) -> str:
    shown = [w.capitalize() if w.upper() in {"ADA", "TI"} else w.upper() for w in words]
    if shown[:1] == ["RTX"] and len(shown) > 1 and shown[1] == "RTX":
        shown = shown[1:]
    return " ".join(shown)
