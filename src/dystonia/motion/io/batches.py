"""Decoded pieces of a recording, and how they become :class:`Recording` chunks.

Every format reader decodes its file as a stream of :class:`Batch` objects of bounded size (a
few megabytes: a group of device blocks, a slice of CSV text, a Parquet row group). This module
turns that stream into what the public functions return:

* :func:`concatenate` joins all batches into one :class:`Recording` (``read_recording``);
* :func:`rechunk` cuts the stream at fixed time boundaries ``t0 + k * chunk_s`` and yields one
  :class:`Recording` per non-empty window (``iter_recording``), holding at most one window plus
  one batch in memory.

Damage found while decoding (skipped blocks, time gaps) travels with the batch as
:class:`Event` objects and ends up in the ``metadata`` of the chunk that contains the last sample
before it (the first chunk if nothing precedes it), under the keys ``"skipped_blocks"`` and
``"gaps"``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.recording import Axes, Recording, channel_names

__all__ = ["Batch", "Event", "Source", "Triplet", "as_decoded", "concatenate", "decoded", "rechunk"]


@dataclass(frozen=True)
class Event:
    """Something the reader skipped or found missing, to be reported in ``metadata``.

    Parameters
    ----------
    kind : {"skipped_block", "gap"}
        ``"skipped_block"`` goes to ``metadata["skipped_blocks"]``, ``"gap"`` to
        ``metadata["gaps"]``.
    at_s : float
        Time of the last sample before the event (``-inf`` when none precedes it); decides
        which chunk reports it.
    detail : dict
        The entry as reported (JSON-serialisable values only).
    """

    kind: Literal["skipped_block", "gap"]
    at_s: float
    detail: dict[str, Any]


#: Three axes of a sensor: an ``(n, 3)`` array, or the three columns ``(x, y, z)`` as decoded
#: (each of shape ``(n,)``), stacked only when an ``(n, 3)`` array is asked for.
Triplet = NDArray[np.float64] | tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


def _stacked(axes: Triplet | None) -> NDArray[np.float64] | None:
    """An ``(n, 3)`` array of a triplet, laid out axis by axis (Fortran order) from columns.

    Each column is one contiguous copy, and the analysis, which works on one axis at a time
    (``x.T`` is then contiguous), reads it without transposing it again.
    """
    if axes is None or not isinstance(axes, tuple):
        return axes
    out = np.empty((3, axes[0].shape[0]), dtype=np.float64)
    for k, column in enumerate(axes):
        out[k] = column
    return out.T


class Batch:
    """A contiguous run of decoded samples (possibly none) and the events found with it.

    Parameters
    ----------
    time_s : ndarray of float64, shape (n,)
        Strictly increasing sample times in seconds.
    acc_g, gyro_dps : Triplet or None
        Accelerometer in g and gyroscope in deg/s: ``(n, 3)`` arrays, or three columns of
        shape ``(n,)`` (columnar readers), which :attr:`acc_g` and :attr:`gyro_dps` stack into
        an ``(n, 3)`` array when first read and :meth:`axes` gives without copying.
    events : list of Event
        Skipped blocks and gaps found while decoding this batch.
    """

    __slots__ = ("_acc", "_gyro", "events", "time_s")

    def __init__(
        self,
        time_s: NDArray[np.float64],
        acc_g: Triplet | None,
        gyro_dps: Triplet | None,
        events: list[Event] | None = None,
    ) -> None:
        self.time_s = time_s
        self._acc = acc_g
        self._gyro = gyro_dps
        self.events: list[Event] = [] if events is None else events

    @property
    def acc_g(self) -> NDArray[np.float64] | None:
        """Accelerometer ``(n, 3)`` in g, or None."""
        if isinstance(self._acc, tuple):
            self._acc = _stacked(self._acc)
        return self._acc

    @property
    def gyro_dps(self) -> NDArray[np.float64] | None:
        """Gyroscope ``(n, 3)`` in deg/s, or None."""
        if isinstance(self._gyro, tuple):
            self._gyro = _stacked(self._gyro)
        return self._gyro

    def axes(self, sensor: Literal["acc", "gyro"]) -> Axes | None:
        """The three axes of ``sensor`` as 1-D arrays (views, never a copy), or None."""
        data = self._acc if sensor == "acc" else self._gyro
        if data is None or isinstance(data, tuple):
            return data
        return data.T

    @property
    def channels(self) -> list[str]:
        """Contract column names present, as :attr:`Recording.channels`."""
        return channel_names(self._acc is not None, self._gyro is not None)

    @property
    def n_samples(self) -> int:
        """Number of samples in the batch."""
        return int(self.time_s.shape[0])

    def take(self, start: int, stop: int) -> Batch:
        """Samples ``start:stop`` (views, no copy) without events."""

        def cut(data: Triplet | None) -> Triplet | None:
            if data is None:
                return None
            if isinstance(data, tuple):
                return (data[0][start:stop], data[1][start:stop], data[2][start:stop])
            return data[start:stop]

        return Batch(self.time_s[start:stop], cut(self._acc), cut(self._gyro))


@dataclass
class Source:
    """An opened file: what is known from its header, and a way to decode it batch by batch.

    Parameters
    ----------
    format : str
        Reader name (``"csv"``, ``"parquet"``, ``"cwa"``, ``"bin"``, ``"cloudupdrs"``).
    source : str
        Label for :attr:`Recording.source` (the file name).
    metadata : dict
        Device and file facts shared by every chunk.
    batches : iterator of Batch
        The decoded stream, in time order. Raises
        :class:`~dystonia.exceptions.UnreadableFileError` on damage it cannot skip.
    has_acc, has_gyro : bool
        Which triplets every batch carries.
    max_samples : int or None
        Upper bound on the number of samples, when the file's layout guarantees it (lets
        :func:`concatenate` fill one preallocated array instead of joining pieces); more
        samples than that is an error.
    expected_samples : int or None
        Number of samples the file announces without guaranteeing it (a Parquet footer),
        already bounded by what the file can plausibly hold: :func:`concatenate` preallocates
        it, and joins pieces instead if more samples come.
    """

    format: str
    source: str
    metadata: dict[str, Any]
    batches: Iterator[Batch]
    has_acc: bool
    has_gyro: bool
    max_samples: int | None = None
    expected_samples: int | None = None


def _stack(pieces: list[NDArray[np.float64] | None], tail: tuple[int, ...]) -> Any:
    arrays = [p for p in pieces if p is not None]
    if not arrays:
        return np.empty((0, *tail), dtype=np.float64)
    # as decoded, not copied: readers may lay a triplet out axis by axis (Fortran order)
    return np.concatenate(arrays) if len(arrays) > 1 else arrays[0]


def _recording(
    src: Source, pieces: list[Batch], events: list[Event], extra: dict[str, Any]
) -> Recording:
    time_s = _stack([p.time_s for p in pieces], ())
    acc = _stack([p.acc_g for p in pieces], (3,)) if src.has_acc else None
    gyro = _stack([p.gyro_dps for p in pieces], (3,)) if src.has_gyro else None
    metadata = dict(src.metadata)
    metadata.update(extra)
    metadata["skipped_blocks"] = [e.detail for e in events if e.kind == "skipped_block"]
    metadata["gaps"] = [e.detail for e in events if e.kind == "gap"]
    return Recording(
        time_s=np.asarray(time_s, dtype=np.float64),
        acc_g=acc,
        gyro_dps=gyro,
        source=src.source,
        format=src.format,
        metadata=metadata,
    )


def concatenate(src: Source) -> Recording:
    """Decode the whole stream of ``src`` into one :class:`Recording`.

    With ``src.max_samples`` (or ``src.expected_samples``) known, batches are copied into
    preallocated arrays as they come, so peak memory is the result plus one batch (not twice
    the result). More samples than ``expected_samples`` (a footer that under-counts) are not an
    error: the rest is collected and joined.
    """
    events: list[Event] = []
    size = src.max_samples if src.max_samples is not None else src.expected_samples
    if size is None:
        return _joined(src, [], src.batches, events)
    time_s = np.empty(size, dtype=np.float64)
    acc = np.empty((size, 3), dtype=np.float64) if src.has_acc else None
    gyro = np.empty((size, 3), dtype=np.float64) if src.has_gyro else None
    filled = 0
    for batch in src.batches:
        events.extend(batch.events)
        stop = filled + batch.n_samples
        if stop > size:
            if src.max_samples is not None:
                raise UnreadableFileError(
                    src.source, f"holds more samples than its header announces ({size})"
                )
            head = Batch(time_s, acc, gyro).take(0, filled)
            return _joined(src, [head, batch], src.batches, events)
        time_s[filled:stop] = batch.time_s
        if acc is not None and batch.acc_g is not None:
            acc[filled:stop] = batch.acc_g
        if gyro is not None and batch.gyro_dps is not None:
            gyro[filled:stop] = batch.gyro_dps
        filled = stop

    def trim(array: Any) -> Any:
        if array is None or filled == size:
            return array
        return array[:filled].copy() if filled < 0.9 * size else array[:filled]

    whole = Batch(trim(time_s), trim(acc), trim(gyro))
    return _recording(src, [whole], events, {})


def _joined(
    src: Source, pieces: list[Batch], rest: Iterable[Batch], events: list[Event]
) -> Recording:
    """One recording from ``pieces`` and the batches of ``rest`` (events collected on the way)."""
    for batch in rest:
        events.extend(batch.events)
        if batch.n_samples:
            pieces.append(batch)
    return _recording(src, [p for p in pieces if p.n_samples], events, {})


def _window_start(origin: float, chunk_s: float, index: int) -> float:
    """Start of window ``index``: ``origin + index * chunk_s`` in float arithmetic.

    Non-decreasing in ``index`` (far from ``origin`` float rounding makes neighbouring windows
    start at the same time: those windows are empty); ``inf`` beyond the float range.
    """
    try:
        return origin + float(index) * chunk_s
    except OverflowError:
        return math.inf


def _window_index(origin: float, chunk_s: float, time_s: float, at_least: int) -> int:
    """The window that holds ``time_s``: the largest ``k`` with ``start(k) <= time_s``.

    ``at_least`` is a window known to start at or before ``time_s``. The estimate
    ``(time_s - origin) / chunk_s`` is checked, then the index is bracketed by doubling steps
    and bisected, so a jump of any size (even beyond 2**53 windows, or one whose estimate
    overflows) costs O(log k) steps, never one step per window.
    """
    lo, hi = at_least, 0
    estimate = (time_s - origin) / chunk_s
    if math.isfinite(estimate) and estimate > lo:
        guess = int(estimate)
        if _window_start(origin, chunk_s, guess) <= time_s:
            lo = guess
        else:
            hi = guess
    if hi <= lo:
        step = 1
        hi = lo + step
        while _window_start(origin, chunk_s, hi) <= time_s:
            lo, step = hi, step * 2
            hi = lo + step
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _window_start(origin, chunk_s, mid) <= time_s:
            lo = mid
        else:
            hi = mid
    return lo


def rechunk(src: Source, chunk_s: float) -> Iterator[Recording]:
    """Cut the stream of ``src`` into recordings covering ``[t0 + k*chunk_s, t0 + (k+1)*chunk_s)``.

    ``t0`` is the first sample time. Windows without samples (inside long gaps) are not
    yielded, so ``metadata["chunk_index"]`` can jump. Each chunk reports the events that follow
    one of its samples (events before the first sample go to the first chunk).

    The window of the next sample is found directly (:func:`_window_index`), so the cost is
    linear in samples and chunks emitted, whatever the time span (a jump from 0 to 1e300 s is
    two chunks, not 1e300 steps).
    """
    origin: float | None = None
    index = 0
    window_end = math.inf
    pending: list[Batch] = []
    events: list[Event] = []

    def emit(final: bool) -> Recording:
        nonlocal pending, events
        if final:
            mine, events = events, []
        else:
            mine = [e for e in events if e.at_s < window_end]
            events = [e for e in events if not e.at_s < window_end]
        assert origin is not None
        start_s = _window_start(origin, chunk_s, index)
        extra = {"chunk_index": index, "chunk_start_s": start_s}
        rec = _recording(src, pending, mine, extra)
        pending = []
        return rec

    for batch in _nonempty_or_events(src.batches):
        events.extend(batch.events)
        if batch.n_samples == 0:
            continue
        if origin is None:
            origin = float(batch.time_s[0])
            window_end = _window_start(origin, chunk_s, 1)
        rest = batch
        while rest.n_samples:
            first = float(rest.time_s[0])
            if first >= window_end:
                if pending:
                    yield emit(final=False)
                index = _window_index(origin, chunk_s, first, index + 1)
                window_end = _window_start(origin, chunk_s, index + 1)
            # window_end > first: every pass takes at least one sample
            cut = int(np.searchsorted(rest.time_s, window_end, side="left"))
            pending.append(rest.take(0, cut))
            rest = rest.take(cut, rest.n_samples)
    if pending:
        yield emit(final=True)


def decoded(src: Source) -> Iterator[Batch]:
    """The batches of ``src`` that hold samples, as decoded (triplets not stacked, no copy).

    Each batch carries the events decoded with it and with the sample-less batches before it;
    events after the last samples go to the last batch.
    """
    events: list[Event] = []
    held: Batch | None = None
    for batch in _nonempty_or_events(src.batches):
        events.extend(batch.events)
        if batch.n_samples == 0:
            continue
        if held is not None:
            yield held
        held = Batch(batch.time_s, batch._acc, batch._gyro, events)
        events = []
    if held is not None:
        held.events.extend(events)
        yield held


def as_decoded(src: Source) -> Iterator[Recording]:
    """One :class:`Recording` per decoded batch with samples, without re-cutting.

    Pieces are as the reader decodes them (a few megabytes, not aligned to time); the events
    go with them as in :func:`decoded`. ``metadata["chunk_index"]`` counts the pieces and
    ``metadata["chunk_start_s"]`` is the first sample time of each.
    """
    for index, batch in enumerate(decoded(src)):
        yield _piece(src, batch, index)


def _piece(src: Source, batch: Batch, index: int) -> Recording:
    extra = {"chunk_index": index, "chunk_start_s": float(batch.time_s[0])}
    return _recording(src, [batch], batch.events, extra)


def _nonempty_or_events(batches: Iterable[Batch]) -> Iterator[Batch]:
    for batch in batches:
        if batch.n_samples or batch.events:
            yield batch
