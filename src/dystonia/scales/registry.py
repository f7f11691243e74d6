"""Find scales by name and score them.

Definitions are read once, on first use, from the YAML files shipped in
``dystonia/scales/definitions/``; a malformed definition is a packaging bug and raises
:class:`RuntimeError` naming the file.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources

import yaml
from pydantic import ValidationError

from dystonia.exceptions import InvalidInputError
from dystonia.scales.base import ItemValue, RatingScale, ScaleResult
from dystonia.scales.data_driven import DataDrivenScale
from dystonia.scales.definition import ScaleDefinition

__all__ = ["get_scale", "list_scales", "load_definition", "score"]

_DEFINITIONS_PACKAGE = "dystonia.scales"
_DEFINITIONS_DIR = "definitions"


def load_definition(text: str, *, origin: str = "<string>") -> ScaleDefinition:
    """Parse and validate one definition from YAML text.

    Raises
    ------
    RuntimeError
        The text is not a valid definition (a packaging error, not a user error).
    """
    try:
        data = yaml.safe_load(text)
        return ScaleDefinition.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise RuntimeError(f"invalid scale definition {origin}: {exc}") from exc


@functools.cache
def _registry() -> dict[str, RatingScale]:
    folder = resources.files(_DEFINITIONS_PACKAGE).joinpath(_DEFINITIONS_DIR)
    scales: dict[str, RatingScale] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        definition = load_definition(entry.read_text(encoding="utf-8"), origin=entry.name)
        if entry.name != f"{definition.name}.yaml":
            raise RuntimeError(f"{entry.name}: file name must be {definition.name}.yaml")
        scales[definition.name] = DataDrivenScale(definition)
    return scales


def list_scales() -> list[str]:
    """Names of all shipped scales, sorted."""
    return sorted(_registry())


def get_scale(name: str) -> RatingScale:
    """Return the scale called ``name``.

    Raises
    ------
    InvalidInputError
        No such scale (or a name that is not text); the message lists the scales and suggests
        the closest name.
    """
    scales = _registry()
    if not isinstance(name, str) or name not in scales:
        raise InvalidInputError("scale", name, allowed=sorted(scales))
    return scales[name]


def score(
    scale_name: str, items: Mapping[str, ItemValue], *, version: str | None = None
) -> ScaleResult:
    """Score one completed scale.

    Parameters
    ----------
    scale_name : str
        One of :func:`list_scales`.
    items : mapping of str to float or None
        Rating per item id (``None`` only where "not applicable" is allowed).
    version : str, optional
        Version whose maxima apply (e.g. ``"brashear_1999"`` for TWSTRS); default version when
        omitted.

    Returns
    -------
    ScaleResult

    Raises
    ------
    InvalidInputError
        Unknown scale, version or item; missing required item; bad rating.

    Examples
    --------
    >>> score("jrs", {"severity": 3, "frequency": 2}).total
    5.0
    """
    return get_scale(scale_name).score(items, version=version)
