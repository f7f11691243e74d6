"""Which reader a file needs, decided from its first bytes and checked against its extension.

The content decides (magic bytes: ``PAR1`` for Parquet, ``MD`` header packet for Axivity
``.cwa``, ``Device Identity`` for GENEActiv ``.bin``; text with a header line for contract CSV,
headerless numeric text for CloudUPDRS). A device or Parquet extension whose content does not
match is an error, never a guess: a ``.cwa`` file that is really a CSV was renamed by mistake,
and reading it as something else would hide that.
"""

from __future__ import annotations

from pathlib import Path

from dystonia.exceptions import UnreadableFileError

__all__ = ["FORMATS", "detect_format", "sniff"]

#: Reader names accepted by ``format=``.
FORMATS = ("csv", "parquet", "cwa", "bin", "cloudupdrs")

_EXTENSIONS: dict[str, tuple[str, ...]] = {
    ".cwa": ("cwa",),
    ".bin": ("bin",),
    ".parquet": ("parquet",),
    ".pq": ("parquet",),
    ".csv": ("csv", "cloudupdrs"),
    ".txt": ("csv", "cloudupdrs"),
}

_DESCRIPTION = {
    "cwa": "an Axivity .cwa file",
    "bin": "a GENEActiv .bin file",
    "parquet": "a Parquet file",
    "csv": "a CSV text file",
    "cloudupdrs": "a headerless numeric CSV (CloudUPDRS)",
}

_SNIFF_BYTES = 4096


def _first_line_numeric(head: bytes) -> bool | None:
    """True for headerless numbers, False for a header line, None if not comma text."""
    if b"\x00" in head:
        return None
    end = head.find(b"\n")
    line = head if end < 0 else head[:end]
    try:
        text = line.rstrip(b"\r").decode("utf-8-sig")
    except UnicodeDecodeError:
        # the sniffed bytes may end inside a multi-byte character
        if end >= 0:
            return None
        try:
            text = line[:-3].decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    if any(ord(c) < 32 and c != "\t" for c in text):
        return None
    fields = [f.strip() for f in text.split(",")]
    if len(fields) < 2:
        return False
    try:
        for f in fields:
            float(f)
    except ValueError:
        return False
    return True


def sniff(head: bytes) -> str | None:
    """Format name suggested by the first bytes of a file, or None if unrecognised."""
    if head[:4] == b"PAR1":
        return "parquet"
    if head[:2] == b"MD" and len(head) >= 4 and int.from_bytes(head[2:4], "little") >= 508:
        return "cwa"
    if head.startswith(b"Device Identity"):
        return "bin"
    numeric = _first_line_numeric(head)
    if numeric is None:
        return None
    return "cloudupdrs" if numeric else "csv"


def _head(path: Path) -> bytes:
    if not path.exists():
        raise UnreadableFileError(path, "no such file")
    if not path.is_file():
        raise UnreadableFileError(path, "not a regular file")
    try:
        with path.open("rb") as fh:
            return fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot open ({exc.strerror or exc})") from None


def detect_format(path: str | Path) -> str:
    """Return the reader a motion recording file needs.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    str
        One of :data:`FORMATS`: ``"csv"``, ``"parquet"``, ``"cwa"``, ``"bin"`` or
        ``"cloudupdrs"``.

    Raises
    ------
    UnreadableFileError
        Missing or empty file, unrecognised content, or content that contradicts a device or
        Parquet extension (e.g. a ``.cwa`` file without the Axivity ``MD`` header).
    """
    p = Path(path)
    head = _head(p)
    if not head:
        raise UnreadableFileError(p, "empty file")
    found = sniff(head)
    suffix = p.suffix.lower()
    expected = _EXTENSIONS.get(suffix)
    if expected is not None and found not in expected:
        claimed = _DESCRIPTION[expected[0]]
        actual = f"it looks like {_DESCRIPTION[found]}" if found else "its content is unrecognised"
        raise UnreadableFileError(
            p, f"extension {p.suffix!r} says {claimed}, but {actual} (first bytes {head[:8]!r})"
        )
    if found is None:
        raise UnreadableFileError(
            p,
            f"unrecognised content (first bytes {head[:8]!r}); readable formats: "
            "contract CSV, Parquet, Axivity .cwa, GENEActiv .bin, CloudUPDRS CSV",
        )
    return found
