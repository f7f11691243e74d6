"""Uniform checks at the edges, so that every message reads the same way.

After MNE-Python's ``_check_option`` / ``_validate_type``: one helper per kind of check, each
raising :class:`dystonia.exceptions.InvalidInputError` with the field, the value and what is
allowed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dystonia.exceptions import InvalidInputError, UnreadableFileError

__all__ = [
    "check_option",
    "check_range",
    "from_pydantic_error",
    "load_mapping_file",
]


def check_option(field: str, value: object, allowed: Iterable[object]) -> None:
    """Raise unless ``value`` is one of ``allowed``."""
    options = list(allowed)
    if value not in options:
        raise InvalidInputError(field, value, allowed=options)


def check_range(
    field: str,
    value: float,
    *,
    low: float | None = None,
    high: float | None = None,
    unit: str = "",
) -> float:
    """Raise unless ``value`` is a finite number within ``[low, high]``; return it as float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(field, value, reason=f"{value!r} is not a number")
    number = float(value)
    suffix = f" {unit}" if unit else ""
    bounds = f"{'' if low is None else low}..{'' if high is None else high}{suffix}"
    if not math.isfinite(number):
        raise InvalidInputError(field, value, allowed=bounds, reason=f"{value!r} is not finite")
    if (low is not None and number < low) or (high is not None and number > high):
        raise InvalidInputError(field, value, allowed=bounds, reason=f"{value!r} is out of range")
    return number


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(root)"


def from_pydantic_error(error: ValidationError, *, prefix: str = "") -> InvalidInputError:
    """Turn the first error of a pydantic ``ValidationError`` into an :class:`InvalidInputError`.

    Literal (vocabulary) errors keep the allowed words, so the message can propose the closest
    one; extra fields are named as unknown.
    """
    first = error.errors(include_url=False)[0]
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    # pydantic appends the tag of a failing Literal/enum member; drop trailing tags it adds
    field = prefix + _location(loc)
    kind = first["type"]
    value = first.get("input")
    ctx: Mapping[str, Any] = first.get("ctx") or {}
    if kind == "extra_forbidden":
        return InvalidInputError(field, value, reason="unknown field")
    if kind == "missing":
        return InvalidInputError(field, None, reason="is required")
    if kind in {"literal_error", "enum"}:
        expected = str(ctx.get("expected", ""))
        words = [w.strip().strip("'\"") for w in expected.replace(" or ", ", ").split(",")]
        return InvalidInputError(field, value, allowed=[w for w in words if w])
    if kind == "value_error" and isinstance(ctx.get("error"), InvalidInputError):
        inner: InvalidInputError = ctx["error"]
        return inner
    message = first["msg"]
    return InvalidInputError(field, value, reason=f"{_short(value)} is invalid ({message})")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def load_mapping_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON file whose top level is a mapping.

    Raises
    ------
    UnreadableFileError
        Missing file, undecodable text, syntax error, or a top level that is not a mapping.
    """
    p = Path(path)
    if not p.is_file():
        raise UnreadableFileError(p, "no such file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableFileError(
            p, f"cannot read as UTF-8 text ({exc.__class__.__name__})"
        ) from None
    suffix = p.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(text)
        elif suffix in {".yaml", ".yml"}:
            data = yaml.safe_load(text)
        else:
            raise UnreadableFileError(
                p, f"unknown extension {suffix!r}; allowed: .json, .yaml, .yml"
            )
    except json.JSONDecodeError as exc:
        raise UnreadableFileError(
            p, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise UnreadableFileError(p, f"invalid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise UnreadableFileError(p, f"top level must be a mapping, not {type(data).__name__}")
    return data
