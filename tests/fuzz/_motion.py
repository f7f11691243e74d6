"""Shared pieces of the motion-reader fuzz tests: the real files, and how a read is judged.

The real device files are read in place from ``../shared/data``; mutated copies are written
only under pytest's ``tmp_path``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dystonia.motion.io import iter_recording, read_recording
from dystonia.motion.recording import Recording

from ._common import MEMORY_BOUND_BYTES, clear, cpu_budget, mib, traced_peak

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
DEVICE_FILES = SHARED / "device-files"
PPP = SHARED / "paradigma-ppp"


def shared_file(*parts: str) -> Path:
    """A shared data file (fails, naming it, when the shared data is missing)."""
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        pytest.fail(f"shared data missing: {path}")
    return path


def check_recording(rec: Recording) -> None:
    """The contract of every returned recording: samples, finite, increasing, shapes agree."""
    assert isinstance(rec, Recording)
    assert rec.n_samples > 0, "a recording without samples"
    assert rec.time_s.ndim == 1 and rec.time_s.dtype == np.float64
    assert np.all(np.isfinite(rec.time_s)), "non-finite time"
    assert np.all(rec.time_s[1:] > rec.time_s[:-1]), "time does not strictly increase"
    assert rec.acc_g is not None or rec.gyro_dps is not None
    for name, values in (("acc_g", rec.acc_g), ("gyro_dps", rec.gyro_dps)):
        if values is not None:
            assert values.shape == (rec.n_samples, 3), (name, values.shape)
            assert np.all(np.isfinite(values)), f"non-finite {name}"
    for key in ("skipped_blocks", "gaps"):
        assert isinstance(rec.metadata.get(key), list), key


#: CPU seconds a stream of one small fuzzed file may take (they take milliseconds).
STREAM_CPU_S = 0.5


def _stream(path: Path, fmt: str, chunk_s: float | None) -> list[Recording]:
    """``list(iter_recording(...))`` within a CPU budget: a hang fails the example.

    (``batches.rechunk`` once stepped window indices one by one and hung on a huge time jump;
    ``test_motion_csv.py::test_huge_time_jump_streams_quickly`` guards the fix.)
    """
    with cpu_budget(STREAM_CPU_S):
        return list(iter_recording(path, format=fmt, chunk_s=chunk_s))


def read_every_way(
    path: Path,
    fmt: str = "auto",
    *,
    chunk_s: float | None = 1.0,
) -> Any:
    """Read ``path`` whole, in time chunks and as decoded: results valid or clear errors.

    Returns the whole-file result (a Recording or the clear error). Each way is measured
    against the memory bound of the brief.
    """
    with traced_peak() as peak:
        whole = clear(read_recording, path, format=fmt)
    assert peak.bytes < MEMORY_BOUND_BYTES, f"read_recording peaked at {mib(peak.bytes)}"
    if isinstance(whole, Recording):
        check_recording(whole)
    for size in (chunk_s, None):
        with traced_peak() as peak:
            chunks = clear(_stream, path, fmt, size)
        assert peak.bytes < MEMORY_BOUND_BYTES, f"iter_recording peaked at {mib(peak.bytes)}"
        if isinstance(chunks, list):
            for chunk in chunks:
                check_recording(chunk)
            times = [c.time_s for c in chunks]
            if len(times) > 1:
                joined = np.concatenate(times)
                assert np.all(joined[1:] > joined[:-1]), "chunks overlap or are out of order"
            if isinstance(whole, Recording):
                assert sum(c.n_samples for c in chunks) == whole.n_samples
        # the same file must not be readable one way and unreadable the other
        assert isinstance(chunks, list) == isinstance(whole, Recording), (whole, chunks)
    return whole
