"""The ``fhir.resources`` R4B models run on JSON from anywhere, every failure as one reason.

Shared by the importer (:mod:`dystonia.interop.fhir_import`, Bundles from other systems) and the
export's validator (:mod:`dystonia.interop.fhir_validation`, public and given any mapping); each
raises its own error class with the reasons found here.

Python and ``fhir_core`` fail on hostile JSON in ways that are not validation errors:

* ``KeyError`` or ``TypeError`` from ``fhir_core`` for a nested resource (``contained``, a
  Bundle's entry, an outcome) whose ``resourceType`` is unknown or not text:
  :func:`contained_type_problem` names the first such contained resource before the model
  runs, :func:`model_problem` turns what is left into a reason;
* ``RecursionError`` for deep nesting, ``ValueError`` for an integer of more than 4300 digits
  (``str``, ``repr``, ``json``), ``OverflowError`` for one beyond a double (``float``,
  ``math.isfinite``): :func:`readable_failures` turns them into the caller's error;
* ``repr`` of such a value in a message fails the same ways: :func:`show` cannot.
"""

from __future__ import annotations

import math
import re
import reprlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from dystonia.exceptions import DystoniaError, closest_match

__all__ = [
    "clip",
    "contained_type_problem",
    "is_resource_type",
    "model_problem",
    "plain",
    "pydantic_problem",
    "readable_failures",
    "resource_type_reason",
    "show",
    "type_suggestion",
]


# ------------------------------------------------------------------------------ messages
class _ShortRepr(reprlib.Repr):
    """``repr`` bounded in length and depth; integers too long to print are described."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxstring = self.maxother = self.maxlong = limit

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 1024:  # beyond a double; str() fails from 4300 digits
            return f"<integer of about {int(x.bit_length() * math.log10(2)) + 1} digits>"
        return super().repr_int(x, level)


def show(value: Any, limit: int = 60) -> str:
    """A short ``repr`` of ``value`` for a message; never fails, never longer than ``limit``."""
    try:
        text = _ShortRepr(limit).repr(value)
    except Exception:  # a repr that fails (an object of its own kind): its type instead
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def clip(exc: BaseException, limit: int = 80) -> str:
    """The words of an exception, shortened."""
    text = str(exc)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plain(value: Any) -> Any:
    """``value`` if it can be shown in a message (short text or a small number), else None."""
    if isinstance(value, str):
        return value[:60]
    if isinstance(value, bool | float) or (isinstance(value, int) and abs(value) < 10**18):
        return value
    return None


@contextmanager
def readable_failures(error: Callable[[str], Exception]) -> Iterator[None]:
    """Turn how Python fails on hostile JSON into ``error(reason)``.

    ``RecursionError`` (nested too deeply), ``ValueError`` and ``OverflowError`` (a number
    beyond what Python converts) raised inside the block become ``error(reason)``; the
    package's own errors pass unchanged.
    """
    try:
        yield
    except DystoniaError:
        raise
    except RecursionError:
        raise error("is nested too deeply") from None
    except (ValueError, OverflowError) as exc:
        raise error(f"holds a value that cannot be read ({clip(exc)})") from None


# ------------------------------------------------------------------------------ resource types
@cache
def is_resource_type(name: str) -> bool:
    """Whether ``name`` is an R4B resource type (loads only that model)."""
    from fhir.resources.R4B import get_fhir_model_class

    try:
        model = get_fhir_model_class(name)
    except ValueError:
        return False
    base = get_fhir_model_class("Resource")
    return issubclass(model, base) and name not in ("Resource", "DomainResource")


def type_suggestion(name: str) -> str | None:
    """The R4B model name closest to ``name`` (read from the model index, nothing imported)."""
    import fhir.resources.R4B.fhirtypes as index

    try:
        source = Path(str(index.__file__)).read_text(encoding="utf-8")
    except OSError:  # pragma: no cover - the package is installed as files
        return None
    models = re.findall(r'"fhir\.resources\.R4B\.(\w+)\.(\w+)"', source)
    return closest_match(name[:200], sorted({cls for mod, cls in models if cls.lower() == mod}))


def resource_type_reason(rt: Any) -> str:
    """Why ``rt`` is refused as a resource type, with the closest R4B name when there is one."""
    if rt is None:
        return "is missing"
    hint = type_suggestion(rt) if isinstance(rt, str) and rt else None
    if hint == rt:  # a model of R4B that is not a resource: Coding, Element, DomainResource
        return f"{show(rt)} is not an R4B resource type (it is a data type or an abstract type)"
    return f"{show(rt)} is not an R4B resource type" + (f"; did you mean {hint!r}?" if hint else "")


def contained_type_problem(resource: Mapping[str, Any]) -> tuple[str, Any, str] | None:
    """The first contained resource whose ``resourceType`` is not an R4B resource type.

    Returns
    -------
    tuple or None
        ``(path, shown value, reason)``, e.g. ``("contained[0].resourceType", "Nope", "'Nope'
        is not an R4B resource type; did you mean 'Note'?")``; None when all are known (or
        ``contained`` is not a list, which the model itself refuses).
    """
    contained = resource.get("contained")
    if not isinstance(contained, list):
        return None
    for i, inner in enumerate(contained):
        rt = inner.get("resourceType") if isinstance(inner, Mapping) else None
        if not (isinstance(rt, str) and is_resource_type(rt)):
            return f"contained[{i}].resourceType", plain(rt), resource_type_reason(rt)
    return None


# ------------------------------------------------------------------------------ the models
def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if part == "root":  # pydantic's name of a model's root validator, not a FHIR element
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def pydantic_problem(err: ValidationError) -> tuple[str, str, Any]:
    """``(path, message, shown input)`` of the first error of a pydantic validation."""
    first = err.errors()[0]
    msg = str(first["msg"]).removeprefix("Value error, ")
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return _path(tuple(first["loc"])), msg + more, plain(first.get("input"))


def model_problem(model: type[BaseModel], data: Mapping[str, Any]) -> tuple[str, str, Any] | None:
    """Validate ``data`` with an R4B model; None when it passes.

    Returns
    -------
    tuple or None
        ``(path, message, shown input)`` of the first problem (:func:`pydantic_problem`), or
        ``("", reason, None)`` when ``fhir_core`` cannot read a nested resource.
    """
    try:
        model.model_validate(dict(data))
    except ValidationError as err:
        return pydantic_problem(err)
    except (KeyError, TypeError) as exc:  # fhir_core on a nested resource of no known type
        return "", f"holds a nested resource that cannot be read ({clip(exc)})", None
    return None
