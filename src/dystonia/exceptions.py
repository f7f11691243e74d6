"""Every error the package raises on purpose.

Input errors carry the field, the value and what is allowed, so that the command line can print
one precise line (exit code 2) and the web API can answer 422 with the same text. Nothing in the
package clamps, guesses or silently repairs bad input: it raises one of these.
"""

from __future__ import annotations

import difflib
import enum
import math
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = [
    "DystoniaError",
    "InvalidInputError",
    "UnreadableFileError",
    "closest_match",
    "short_repr",
]

#: Characters of a rejected value shown in a message.
_SHOWN_CHARS = 60
#: A rejected text longer than this gets no closest-word suggestion (the allowed words are short).
_MATCH_MAX_CHARS = 100
#: Python refuses to write an int of more than 4300 digits (about 14,284 bits) as text.
_JSON_INT_MAX_BITS = 14_000


class DystoniaError(Exception):
    """Base class of every deliberate error of the package.

    The command line turns any ``DystoniaError`` into a one-line message on standard error and
    exit code :attr:`exit_code`.
    """

    exit_code: int = 2


def closest_match(value: object, allowed: Iterable[object]) -> str | None:
    """Return the allowed word closest to ``value``, or None when nothing is close.

    Only a short text is compared, and only with the allowed words that are text: anything
    else (a number, a list, a text of thousands of characters) gets no suggestion, so that a
    hostile value costs nothing here.

    Parameters
    ----------
    value : object
        The rejected value.
    allowed : iterable
        The allowed values.
    """
    if not isinstance(value, str) or len(value) > _MATCH_MAX_CHARS:
        return None
    words = [a for a in allowed if isinstance(a, str)]
    found = difflib.get_close_matches(value, words, n=1, cutoff=0.6)
    return found[0] if found else None


def short_repr(value: object, limit: int = _SHOWN_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters (``...`` at the end when cut).

    The cost does not grow with the value (beyond one scan of a long text for its quotes):
    lists, tuples, dicts and sets are walked lazily and only until ``limit`` characters are
    written (a "billion laughs" list of shared YAML aliases is never expanded), a long text or
    bytes value is cut before ``repr``, a recursive container shows as ``[...]``, and an
    integer too long to show (Python refuses to write one of more than 4300 digits) shows as
    ``<int of about N digits>``. Values of other types (dates, enums...) use their own
    ``repr``.

    Parameters
    ----------
    value : object
        Any value, typically a rejected input.
    limit : int
        Largest length of the result.
    """
    pieces: list[str] = []
    size = 0
    for piece in _repr_pieces(value, limit + 1, set()):
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            break
    text = "".join(pieces)
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."


_CONTAINER_MARKS: dict[type, tuple[str, str, str]] = {
    # type: (opening, closing, shown for a container met again inside itself)
    list: ("[", "]", "[...]"),
    tuple: ("(", ")", "(...)"),
    dict: ("{", "}", "{...}"),
    set: ("{", "}", "{...}"),
    frozenset: ("frozenset({", "})", "frozenset(...)"),
}


def _repr_pieces(value: object, width: int, active: set[int]) -> Iterator[str]:
    """The pieces of ``repr(value)``, each at most about ``width`` characters, lazily."""
    if isinstance(value, enum.Enum | bool | float | complex) or value is None:
        yield _plain_repr(value, width)
    elif isinstance(value, int):
        yield _int_repr(value, width)
    elif isinstance(value, str):
        yield _text_repr(value, width)
    elif isinstance(value, bytes | bytearray):
        inner = _bytes_repr(bytes(value[:width]), value, width)
        yield inner if isinstance(value, bytes) else f"bytearray({inner})"
    elif isinstance(value, list | tuple | dict | set | frozenset):
        kind = next(t for t in _CONTAINER_MARKS if isinstance(value, t))
        opening, closing, again = _CONTAINER_MARKS[kind]
        if id(value) in active:
            yield again
            return
        if not value and kind in (set, frozenset):
            yield f"{kind.__name__}()"
            return
        active.add(id(value))
        try:
            yield opening
            items: Iterable[Any] = value.items() if isinstance(value, dict) else value
            for i, item in enumerate(items):
                if i:
                    yield ", "
                if isinstance(value, dict):
                    yield from _repr_pieces(item[0], width, active)
                    yield ": "
                    yield from _repr_pieces(item[1], width, active)
                else:
                    yield from _repr_pieces(item, width, active)
            if kind is tuple and len(value) == 1:
                yield ","
            yield closing
        finally:
            active.discard(id(value))
    else:
        yield _plain_repr(value, width)


def _plain_repr(value: object, width: int) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken or refusing __repr__: name the type instead
        return f"<{type(value).__name__} object>"
    return text[: width + 1]


def _int_repr(value: int, width: int) -> str:
    if value.bit_length() <= 4 * width:  # at most about 1.2 * width digits: cheap to write
        return repr(int(value))
    digits = int(value.bit_length() * math.log10(2)) + 1
    return f"<{'negative ' if value < 0 else ''}int of about {digits} digits>"


def _text_repr(value: str, width: int) -> str:
    if len(value) <= width:
        return repr(value)
    # repr chooses its quotes from the whole text: keep its quote characters, after the cut
    tail = ("'" if "'" in value else "") + ('"' if '"' in value else "")
    return repr(value[:width] + tail)


def _bytes_repr(head: bytes, value: bytes | bytearray, width: int) -> str:
    if len(value) <= width:
        return repr(head)
    tail = (b"'" if b"'" in value else b"") + (b'"' if b'"' in value else b"")
    return repr(head + tail)


class InvalidInputError(DystoniaError, ValueError):
    """A value at the edge of the package is not allowed.

    Parameters
    ----------
    field : str
        Dotted location of the value, e.g. ``"regions[2]"`` or ``"tests.genetic[0].result"``.
    value : object
        The rejected value.
    allowed : iterable or str, optional
        The allowed words, or a short description of the allowed range (``"0-4"``).
    reason : str, optional
        What is wrong, when "not allowed" is not enough (``"is required"``).
    """

    def __init__(
        self,
        field: str,
        value: Any = None,
        *,
        allowed: Iterable[object] | str | None = None,
        reason: str | None = None,
    ) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        self.suggestion: str | None = None
        if allowed is None or isinstance(allowed, str):
            self.allowed: list[str] | str | None = allowed
        else:
            self.allowed = [str(a) for a in allowed]
            self.suggestion = closest_match(value, self.allowed)
        super().__init__(self._compose())

    def _compose(self) -> str:
        what = self.reason or f"{short_repr(self.value)} is not allowed"
        parts = [f"{self.field}: {what}"]
        if isinstance(self.allowed, list):
            parts.append("allowed: " + ", ".join(self.allowed))
        elif isinstance(self.allowed, str):
            parts.append(f"allowed: {self.allowed}")
        if self.suggestion is not None:
            parts.append(f"did you mean {self.suggestion!r}?")
        return "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        """Field-level description, as the web API returns it in a 422 body."""
        return {
            "field": self.field,
            "value": self.value if _plain_json(self.value) else None,
            "message": str(self),
            "allowed": self.allowed,
            "suggestion": self.suggestion,
        }


def _plain_json(value: object) -> bool:
    """A text, number or boolean, but not an int too long to write as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() <= _JSON_INT_MAX_BITS
    return isinstance(value, str | float | bool)


class UnreadableFileError(DystoniaError):
    """A file cannot be read as the format it claims or seems to be.

    Parameters
    ----------
    path : str
        The file.
    reason : str
        What is wrong, in one line (``"truncated block header at byte 1024"``).
    """

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
