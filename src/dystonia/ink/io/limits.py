"""Size limits that every pen reader enforces before it parses, and the shared file opening.

A pen recording is small: a 2-minute writing task at 200 Hz is 24,000 samples, about 1 MB of
tablet text; a 10-minute recording at 200 Hz is 120,000 samples, about 4 MB of tablet text or
10-16 MB of browser pointer JSON (70-130 bytes a sample). The limits take twice the longest
real task, and bound the memory of one parse: the largest file a reader accepts, in the most
expensive shape a hostile or corrupted file can take, is read within about 120 MiB (tablet text takes
about 7 times its size while it is parsed; pointer JSON is read one sample at a time,
:mod:`dystonia.ink.io.pointer`; ``tests/fuzz/test_ink.py`` measures both, against a bound of
300 MiB). A larger file is refused with one clear line before it is parsed.
"""

from __future__ import annotations

from pathlib import Path

from dystonia.exceptions import UnreadableFileError

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_SAMPLES",
    "MAX_STROKES",
    "MAX_TASKS",
    "check_sample_count",
    "read_limited",
]

#: Largest file read (16 MiB: a 10-minute recording at 200 Hz as pointer JSON).
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Most samples in one file (240,000: 20 minutes at 200 Hz).
MAX_SAMPLES = 240_000
#: Most strokes (pen-down runs or InkML traces) in one file.
MAX_STROKES = 100_000
#: Most tasks in one file.
MAX_TASKS = 64


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


def read_limited(path: str | Path) -> bytes:
    """Return the bytes of a regular, non-empty file no larger than :data:`MAX_FILE_BYTES`.

    Raises
    ------
    UnreadableFileError
        Missing, not a regular file, empty, too large, or unreadable.
    """
    p = Path(path)
    if not p.exists():
        raise UnreadableFileError(p, "no such file")
    if not p.is_file():
        raise UnreadableFileError(p, "not a regular file")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnreadableFileError(
                p, f"file is {_mib(size)}; pen recordings are limited to {_mib(MAX_FILE_BYTES)}"
            )
        with p.open("rb") as fh:  # read what stat says (a buffer of the limit costs 16 MiB)
            data = fh.read(size + 1)
            if len(data) > size:  # grew since stat: read on up to the limit
                data += fh.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as exc:
        raise UnreadableFileError(p, f"cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:  # grew while being read
        raise UnreadableFileError(p, f"file is larger than {_mib(MAX_FILE_BYTES)}")
    if not data.strip():
        raise UnreadableFileError(p, "empty file")
    return data


def check_sample_count(path: object, n: int) -> None:
    """Raise when ``n`` exceeds :data:`MAX_SAMPLES`."""
    if n > MAX_SAMPLES:
        raise UnreadableFileError(
            path, f"{n} samples; pen recordings are limited to {MAX_SAMPLES} samples"
        )
