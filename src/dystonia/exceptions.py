"""Every error the package raises on purpose.

Input errors carry the field, the value and what is allowed, so that the command line can print
one precise line (exit code 2) and the web API can answer 422 with the same text. Nothing in the
package clamps, guesses or silently repairs bad input: it raises one of these.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

__all__ = [
    "DystoniaError",
    "InvalidInputError",
    "UnreadableFileError",
    "closest_match",
]


class DystoniaError(Exception):
    """Base class of every deliberate error of the package.

    The command line turns any ``DystoniaError`` into a one-line message on standard error and
    exit code :attr:`exit_code`.
    """

    exit_code: int = 2


def closest_match(value: object, allowed: Iterable[object]) -> str | None:
    """Return the allowed word closest to ``value``, or None when nothing is close.

    Parameters
    ----------
    value : object
        The rejected value (compared as text).
    allowed : iterable
        The allowed values.
    """
    words = [str(a) for a in allowed]
    found = difflib.get_close_matches(str(value), words, n=1, cutoff=0.6)
    return found[0] if found else None


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
        what = self.reason or f"{_show(self.value)} is not allowed"
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
            "value": self.value if isinstance(self.value, str | int | float | bool) else None,
            "message": str(self),
            "allowed": self.allowed,
            "suggestion": self.suggestion,
        }


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
