"""The two public entry points: read a whole recording, or stream it in time chunks."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from dystonia.exceptions import InvalidInputError, UnreadableFileError
from dystonia.motion.io import axivity, cloudupdrs, geneactiv, table
from dystonia.motion.io.batches import Batch, Source, as_decoded, concatenate, decoded, rechunk
from dystonia.motion.io.detect import FORMATS, detect_format
from dystonia.motion.recording import Recording
from dystonia.validation import check_option

__all__ = ["iter_batches", "iter_recording", "open_source", "read_recording"]

T = TypeVar("T")

_OPENERS: dict[str, Callable[[Path], Source]] = {
    "csv": table.open_contract_csv,
    "parquet": table.open_parquet,
    "cwa": axivity.open_cwa,
    "bin": geneactiv.open_bin,
    "cloudupdrs": cloudupdrs.open_cloudupdrs,
}


def open_source(path: str | Path, format: str = "auto") -> Source:
    """Check ``format``, find the reader and open ``path`` (header only, no samples yet)."""
    check_option("format", format, ("auto", *FORMATS))
    p = Path(path)
    if format == "auto":
        format = detect_format(p)
    elif not p.is_file():
        raise UnreadableFileError(p, "no such file" if not p.exists() else "not a regular file")
    elif p.stat().st_size == 0:
        raise UnreadableFileError(p, "empty file")
    try:
        return _OPENERS[format](p)
    except OSError as exc:
        raise UnreadableFileError(p, f"cannot read ({exc.strerror or exc})") from None


def read_recording(path: str | Path, *, format: str = "auto") -> Recording:
    """Read a whole motion recording file.

    Parameters
    ----------
    path : str or Path
        Contract CSV or Parquet, Axivity ``.cwa``, GENEActiv ``.bin`` or CloudUPDRS CSV.
    format : {"auto", "csv", "parquet", "cwa", "bin", "cloudupdrs"}
        Reader to use; ``"auto"`` decides from the content (see :func:`detect_format`).

    Returns
    -------
    Recording
        ``time_s`` in seconds (strictly increasing), ``acc_g`` in g, ``gyro_dps`` in deg/s;
        ``metadata`` holds device facts plus ``"skipped_blocks"`` and ``"gaps"`` (lists of
        damaged blocks that were left out and of the time gaps they or the device left; never
        filled in).

    Raises
    ------
    UnreadableFileError
        The file cannot be read as that format; the message names the line, row or block.
    InvalidInputError
        ``format`` is not one of the allowed names.

    See Also
    --------
    iter_recording : the same data in time chunks with flat memory.

    References
    ----------
    .. [1] Open Movement, "CWA file format" (``Docs/ax3/cwa.h``),
       https://github.com/digitalinteraction/openmovement
    .. [2] Activinsights, "GENEActiv binary file format"; as read by GGIRread
       (https://github.com/wadpac/GGIRread) and scikit-digital-health
       (https://github.com/pfizer-opensource/scikit-digital-health).
    """
    src = open_source(path, format)
    return _guard(Path(path), lambda: concatenate(src))


def iter_recording(
    path: str | Path, *, format: str = "auto", chunk_s: float | None = 3600.0
) -> Iterator[Recording]:
    """Stream a motion recording in consecutive time chunks, with memory flat in file length.

    Parameters
    ----------
    path : str or Path
        As for :func:`read_recording`.
    format : {"auto", "csv", "parquet", "cwa", "bin", "cloudupdrs"}
        Reader to use.
    chunk_s : float or None
        Chunk length in seconds (> 0). Chunk ``k`` holds the samples with
        ``t0 + k * chunk_s <= time_s < t0 + (k + 1) * chunk_s`` where ``t0`` is the first
        sample time; windows without samples (inside gaps) are not yielded. None yields the
        pieces as the reader decodes them (a few megabytes each, not aligned to time, never
        joined; a columnar reader's three columns per sensor are stacked into the ``(n, 3)``
        arrays of a Recording): the cheapest stream of Recordings when chunk boundaries do not
        matter. :func:`iter_batches` gives the pieces without even that copy.

    Yields
    ------
    Recording
        Chunks in time order with absolute ``time_s``; ``metadata["chunk_index"]`` is ``k`` and
        ``metadata["chunk_start_s"]`` the window start. Each chunk lists the skipped blocks and
        gaps that end inside it.

    Raises
    ------
    UnreadableFileError
        Header problems at call time; damage that cannot be skipped while iterating (chunks
        already yielded stay valid).
    InvalidInputError
        Bad ``format`` or ``chunk_s``.
    """
    if chunk_s is not None:
        if isinstance(chunk_s, bool) or not isinstance(chunk_s, int | float):
            raise InvalidInputError("chunk_s", chunk_s, reason=f"{chunk_s!r} is not a number")
        if not (math.isfinite(chunk_s) and chunk_s > 0):
            raise InvalidInputError("chunk_s", chunk_s, allowed="> 0 seconds, finite")
    src = open_source(path, format)
    chunks = as_decoded(src) if chunk_s is None else rechunk(src, float(chunk_s))
    return _guarded_iter(Path(path), chunks)


def iter_batches(path: str | Path, *, format: str = "auto") -> tuple[Source, Iterator[Batch]]:
    """The opened file and its decoded pieces, for consumers that take a :class:`Batch`.

    Like ``iter_recording(path, chunk_s=None)`` but the pieces stay as decoded: columnar
    readers' triplets are not stacked into ``(n, 3)`` arrays unless asked for
    (:meth:`Batch.axes` gives the columns), which saves a copy of every sample for
    :func:`dystonia.motion.analyze`. Header problems are raised here, damage while iterating.
    """
    src = open_source(path, format)
    return src, _guarded_iter(Path(path), decoded(src))


def _guard(path: Path, work: Callable[[], Recording]) -> Recording:
    try:
        return work()
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot read ({exc.strerror or exc})") from None


def _guarded_iter(path: Path, chunks: Iterator[T]) -> Iterator[T]:
    try:
        yield from chunks
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot read ({exc.strerror or exc})") from None
