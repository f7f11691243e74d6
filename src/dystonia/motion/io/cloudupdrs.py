"""CloudUPDRS smartphone recordings (pdkit's ``cloudupdrs`` CSV).

The tremor-task files (``T_-_<TASK>_-_<LIMB>_-_<date>_-_<id>_-_<subject>.csv``) are headerless
CSV with five columns: sensor timestamp in nanoseconds, accelerometer x, y, z in m/s^2, and an
accuracy code. The finger-tapping files (``FT_-_...``, nine columns of screen touches) and the
questionnaire entries hold no accelerometer data and are rejected with a message saying so.

Acceleration is converted to g by dividing by standard gravity, 9.80665 m/s^2 (gravity is kept,
as in every other reader). Time is the phone's sensor clock, in seconds; it is not calendar time.

References
----------
.. [1] pdkit, ``TremorTimeSeries().load(filename, "cloudupdrs")``,
   https://github.com/pdkit/pdkit (MIT); test data ``tests/data/2458``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io.batches import Batch, Source
from dystonia.motion.io.table import check_time, line_at
from dystonia.motion.io.text_blocks import BLOCK_BYTES, iter_text_blocks, parse_block, show

__all__ = ["STANDARD_GRAVITY_M_S2", "open_cloudupdrs"]

#: Standard gravity (m/s^2 per g), CGPM 1901.
STANDARD_GRAVITY_M_S2 = 9.80665

_NAMES = ["timestamp_ns", "x_m_s2", "y_m_s2", "z_m_s2", "accuracy"]
_WANTED = {
    "timestamp_ns": pa.int64(),
    "x_m_s2": pa.float64(),
    "y_m_s2": pa.float64(),
    "z_m_s2": pa.float64(),
}
_TASK_FILE = re.compile(r"^T_-_(?P<task>[A-Z_]+?)_-_(?P<limb>[A-Z_]+?)_-_\d{4}-\d{2}-\d{2}")


def _first_line(path: Path) -> bytes:
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head.strip():
        raise UnreadableFileError(path, "empty file")
    end = head.find(b"\n")
    return (head if end < 0 else head[:end]).rstrip(b"\r")


def open_cloudupdrs(path: Path, *, block_bytes: int = BLOCK_BYTES) -> Source:
    """Open a CloudUPDRS tremor-task CSV for streaming.

    Raises
    ------
    UnreadableFileError
        Finger-tapping or questionnaire files, a header line, a column count other than five;
        while iterating, non-numeric values and timestamps that do not strictly increase.
    """
    line = _first_line(path)
    fields = line.split(b",")
    if path.name.startswith("FT_") or len(fields) == 9:
        raise UnreadableFileError(
            path,
            f"CloudUPDRS finger-tapping file ({len(fields)} columns of screen touches) holds no "
            "accelerometer data; only the tremor-task files (T_-_...) do",
        )
    if len(fields) != len(_NAMES):
        raise UnreadableFileError(
            path,
            f"line 1 has {len(fields)} fields; a CloudUPDRS accelerometer file has 5 "
            f"(timestamp ns, x, y, z in m/s^2, accuracy): {show(line, 60)}",
        )
    try:
        int(fields[0])
    except ValueError:
        raise UnreadableFileError(
            path,
            f"line 1, column 1: {show(fields[0].strip())} is not an integer timestamp (ns); "
            "CloudUPDRS files have no header",
        ) from None
    metadata: dict[str, Any] = {
        "device": "smartphone (CloudUPDRS)",
        "file_units": {"time": "ns", "acc": "m/s^2"},
        "standard_gravity_m_s2": STANDARD_GRAVITY_M_S2,
        "time_reference": "phone sensor clock (not calendar time)",
    }
    match = _TASK_FILE.match(path.name)
    if match:
        metadata["task"] = match["task"]
        metadata["limb"] = match["limb"]
    return Source(
        format="cloudupdrs",
        source=path.name,
        metadata=metadata,
        batches=_batches(path, block_bytes),
        has_acc=True,
        has_gyro=False,
    )


def _batches(path: Path, block_bytes: int) -> Iterator[Batch]:
    previous: float | None = None
    with path.open("rb") as fh:
        for block in iter_text_blocks(path, fh, first_line=1, block_bytes=block_bytes):
            cols = parse_block(path, block, _NAMES, _WANTED)
            time_s = cols["timestamp_ns"].astype(np.float64) / 1e9
            check_time(path, time_s, previous, line_at(block.first_line))
            previous = float(time_s[-1])
            acc_g = np.empty((time_s.size, 3), dtype=np.float64)
            for k, name in enumerate(("x_m_s2", "y_m_s2", "z_m_s2")):
                np.divide(cols[name], STANDARD_GRAVITY_M_S2, out=acc_g[:, k])
            yield Batch(time_s, acc_g, None)
