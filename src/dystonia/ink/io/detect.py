"""Which pen reader a file needs, decided from its content and checked against its extension.

Content decides: JSON (``{`` or ``[``) is pointer-event JSON; XML with an ``<ink`` element is
InkML; a first line holding one integer followed by rows of seven numbers is SVC; rows of seven
``;``-separated numbers are the UCI tablet format; a header line naming ``time``, ``x`` and
``y`` is contract CSV. An extension that contradicts the content is an error, never a guess.
"""

from __future__ import annotations

from pathlib import Path

from dystonia.exceptions import UnreadableFileError
from dystonia.ink.io.limits import read_limited

__all__ = ["FORMATS", "detect_format", "sniff"]

#: Reader names accepted by ``format=``.
FORMATS = ("uci", "svc", "inkml", "csv", "pointer-json")

_EXTENSIONS: dict[str, tuple[str, ...]] = {
    ".json": ("pointer-json",),
    ".inkml": ("inkml",),
    ".xml": ("inkml",),
    ".svc": ("svc",),
    ".csv": ("csv",),
    ".txt": ("uci", "svc", "csv"),
}

_DESCRIPTION = {
    "uci": "UCI tablet text (X;Y;Z;Pressure;GripAngle;Timestamp;TestID)",
    "svc": "SVC text",
    "inkml": "InkML",
    "csv": "contract CSV",
    "pointer-json": "pointer-event JSON",
}


def sniff(head: bytes) -> str | None:
    """Format suggested by the first bytes of a file, or None if unrecognised."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text[:1] in (b"{", b"["):
        return "pointer-json"
    if text[:1] == b"<":
        return "inkml" if b"<ink" in head else None
    if b"\x00" in head:
        return None
    try:
        decoded = text.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        decoded = text[:-4].decode("utf-8", errors="ignore")
    lines = [line.strip() for line in decoded.splitlines() if line.strip()]
    if not lines:
        return None
    first = lines[0]
    if ";" in first:
        parts = first.split(";")
        if len(parts) == 7 and all(_is_number(p) for p in parts):
            return "uci"
        return None
    if first.isdigit():
        return "svc"  # the sample count that starts SVC; the reader checks the rows
    names = [n.strip().strip('"') for n in first.split(",")]
    if {"time", "x", "y"} <= set(names):
        return "csv"
    if len(names) >= 2 and not all(_is_number(n) for n in names):
        return "csv"  # a header line: the CSV reader names what is missing
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def detect_format(path: str | Path, data: bytes | None = None) -> str:
    """Return the reader a pen file needs (one of :data:`FORMATS`).

    Parameters
    ----------
    path : str or Path
        The file (its extension is checked against the content).
    data : bytes, optional
        The file's bytes when already read.

    Raises
    ------
    UnreadableFileError
        Missing or empty file, unrecognised content, or content that contradicts the extension.
    """
    p = Path(path)
    raw = read_limited(p) if data is None else data
    found = sniff(raw[:8192])
    expected = _EXTENSIONS.get(p.suffix.lower())
    if expected is not None and found is not None and found not in expected:
        raise UnreadableFileError(
            p,
            f"extension {p.suffix!r} says {_DESCRIPTION[expected[0]]},"
            f" but the content looks like {_DESCRIPTION[found]}",
        )
    if found is None:
        raise UnreadableFileError(
            p,
            f"unrecognised content (starts {raw[:12]!r}); readable: UCI tablet text, SVC,"
            " InkML, contract CSV (time,x,y,...), pointer-event JSON",
        )
    return found
