"""Uniform checks at the edges, so that every message reads the same way.

After MNE-Python's ``_check_option`` / ``_validate_type``: one helper per kind of check, each
raising :class:`dystonia.exceptions.InvalidInputError` with the field, the value and what is
allowed.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import Node

from dystonia.exceptions import InvalidInputError, UnreadableFileError, short_repr

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
        raise InvalidInputError(field, value, reason=f"{short_repr(value)} is not a number")
    suffix = f" {unit}" if unit else ""
    bounds = f"{'' if low is None else low}..{'' if high is None else high}{suffix}"
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        raise InvalidInputError(
            field, value, allowed=bounds, reason=f"{short_repr(value)} is out of range"
        ) from None
    if not math.isfinite(number):
        raise InvalidInputError(
            field, value, allowed=bounds, reason=f"{short_repr(value)} is not finite"
        )
    if (low is not None and number < low) or (high is not None and number > high):
        raise InvalidInputError(
            field, value, allowed=bounds, reason=f"{short_repr(value)} is out of range"
        )
    return number


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{short_repr(part)}]"
        else:
            text += ("." if text else "") + (part if isinstance(part, str) else short_repr(part))
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
    if kind == "invalid_key":  # pydantic names the key itself in loc, even one it cannot print
        parent = loc[:-1]
        where = prefix + _location(parent) if parent else prefix.rstrip(".") or "(root)"
        return InvalidInputError(
            where,
            value,
            allowed="field names (text)",
            reason=f"key {short_repr(value)} is not text",
        )
    if kind in {"literal_error", "enum"}:
        expected = str(ctx.get("expected", ""))
        words = [w.strip().strip("'\"") for w in expected.replace(" or ", ", ").split(",")]
        return InvalidInputError(field, value, allowed=[w for w in words if w])
    if kind == "value_error" and isinstance(ctx.get("error"), InvalidInputError):
        inner: InvalidInputError = ctx["error"]
        return inner
    message = first["msg"]
    return InvalidInputError(field, value, reason=f"{short_repr(value)} is invalid ({message})")


# ------------------------------------------------------------------------------- YAML and JSON
class _TooManyDigitsError(ValueError):
    """A JSON integer longer than Python converts."""

    def __init__(self, digits: int) -> None:
        self.digits = digits
        super().__init__(digits)


def _json_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # only the digit limit: the JSON scanner hands over well-formed integers
        raise _TooManyDigitsError(len(text.lstrip("-"))) from None


def _too_long(digits: int) -> str:
    return f"an integer of {digits} digits is too long (at most {sys.get_int_max_str_digits()})"


_SCALAR_KINDS = {
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:int": "integer",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:binary": "base64 binary",
    "tag:yaml.org,2002:timestamp": "date or timestamp",
    "tag:yaml.org,2002:str": "text",
}


def _scalar_problem(tag: str, node: Node, exc: Exception) -> str:
    text = node.value if isinstance(node.value, str) else ""
    if tag == "tag:yaml.org,2002:int":
        digits = sum(c.isdigit() for c in text)
        if 0 < sys.get_int_max_str_digits() < digits:  # 0: no limit
            return _too_long(digits)
    problem = f"{short_repr(text)} is not a valid {_SCALAR_KINDS.get(tag, tag)}"
    detail = str(exc) if isinstance(exc, ValueError) and tag.endswith(":timestamp") else ""
    return f"{problem} ({detail})" if detail else problem


def _checked(tag: str, construct: Callable[[SafeConstructor, Node], Any]) -> Any:
    """``construct`` with its Python errors turned into a ``ConstructorError`` at the node."""

    def construct_checked(loader: SafeConstructor, node: Node) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, TypeError, LookupError, AttributeError, OverflowError) as exc:
            # e.g. 2001-02-30 (ValueError), !!timestamp 'x' (AttributeError), !!bool 'x'
            # (KeyError), !!int '' (IndexError), !!int with more digits than Python converts
            raise ConstructorError(
                None, None, _scalar_problem(tag, node, exc), node.start_mark
            ) from None

    return construct_checked


class _SafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader whose scalar constructors fail only with a ``YAMLError``."""


for _tag in _SCALAR_KINDS:
    _SafeLoader.add_constructor(_tag, _checked(_tag, SafeConstructor.yaml_constructors[_tag]))


def load_mapping_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON file whose top level is a mapping.

    Raises
    ------
    UnreadableFileError
        Missing file, undecodable text, syntax error, a value YAML cannot build (an impossible
        date, a bad explicit tag), an integer longer than Python converts (4300 digits), nesting
        deeper than the parser's recursion allows (about 1000 levels for JSON, fewer for YAML),
        or a top level that is not a mapping.
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
    kind = {".json": "JSON", ".yaml": "YAML", ".yml": "YAML"}.get(suffix)
    if kind is None:
        raise UnreadableFileError(p, f"unknown extension {suffix!r}; allowed: .json, .yaml, .yml")
    try:
        if kind == "JSON":
            data = json.loads(text, parse_int=_json_int)
        else:
            data = yaml.load(text, Loader=_SafeLoader)  # a SafeLoader: no Python objects
    except json.JSONDecodeError as exc:
        raise UnreadableFileError(
            p, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except _TooManyDigitsError as exc:
        raise UnreadableFileError(p, f"invalid JSON: {_too_long(exc.digits)}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise UnreadableFileError(p, f"invalid YAML{where}: {problem}") from None
    except RecursionError:
        raise UnreadableFileError(
            p, f"invalid {kind}: nested too deeply (lists or mappings inside each other)"
        ) from None
    if not isinstance(data, dict):
        raise UnreadableFileError(p, f"top level must be a mapping, not {type(data).__name__}")
    return data
