"""Streaming helpers: decoded pieces, read-ahead, Arrow columns, damage reports."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dystonia.motion.io import iter_recording, read_recording
from dystonia.motion.io.arrow_arrays import column_values, first_finite_violation
from dystonia.motion.io.damage import gap_event, gap_reason, skipped_block_events
from dystonia.motion.io.prefetch import prefetch

from ._data import PPP_CSV, require

DEVICE = Path(__file__).parents[2].parent / "shared" / "data" / "device-files"
CORRUPT = "ggirread_ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa"


def test_decoded_pieces_join_to_the_whole_real_file() -> None:
    path = require(PPP_CSV)
    whole = read_recording(path)
    pieces = list(iter_recording(path, chunk_s=None))
    assert [p.metadata["chunk_index"] for p in pieces] == list(range(len(pieces)))
    np.testing.assert_array_equal(np.concatenate([p.time_s for p in pieces]), whole.time_s)
    np.testing.assert_array_equal(np.concatenate([p.gyro_dps for p in pieces]), whole.gyro_dps)


def test_decoded_pieces_keep_every_damage_report() -> None:
    path = require(DEVICE / CORRUPT)
    whole = read_recording(path)
    pieces = list(iter_recording(path, chunk_s=None))
    blocks = [s["block"] for p in pieces for s in p.metadata["skipped_blocks"]]
    assert blocks == [s["block"] for s in whole.metadata["skipped_blocks"]]
    assert [g for p in pieces for g in p.metadata["gaps"]] == whole.metadata["gaps"]


def test_parquet_pieces_are_row_batches(tmp_path: Path) -> None:
    n = 150_000
    frame = pd.DataFrame({"time": np.arange(n) / 100.0} | {f"gyro_{a}": np.ones(n) for a in "xyz"})
    path = tmp_path / "rec.parquet"
    frame.to_parquet(path)
    sizes = [p.n_samples for p in iter_recording(path, chunk_s=None)]
    assert sum(sizes) == n and max(sizes) <= 65536


def test_prefetch_keeps_order_and_raises_where_the_item_failed() -> None:
    assert list(prefetch(iter(range(50)), depth=3)) == list(range(50))

    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("broken at 2")

    got = []
    with pytest.raises(ValueError, match="broken at 2"):
        for item in prefetch(failing()):
            got.append(item)
    assert got == [1]


def test_prefetch_stops_the_producer_when_the_consumer_leaves() -> None:
    produced = []

    def endless() -> Iterator[int]:
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    for item in prefetch(endless(), depth=2):
        if item == 5:
            break
    time.sleep(0.1)
    count = len(produced)
    time.sleep(0.1)
    assert len(produced) == count <= 5 + 1 + 2 + 1
    assert not any(t.name == "dystonia-prefetch" for t in threading.enumerate())


@pytest.mark.parametrize(
    ("array", "dtype"),
    [
        (pa.array([1.5, 2.5, 3.5]), np.float64),
        (pa.array(np.array([1, 2, 3], dtype=np.int16)), np.int16),
        (pa.array(np.array([1.0, 2.0], dtype=np.float32)), np.float32),
        (pa.chunked_array([[1.0, 2.0], [3.0]]), np.float64),
        (pa.array([0.5, 1.5, 2.5, 3.5]).slice(1, 2), np.float64),
    ],
)
def test_column_values_without_pandas(array: pa.Array, dtype: type) -> None:
    values = column_values(array)
    assert values.dtype == dtype
    np.testing.assert_array_equal(values, np.asarray(array.to_pylist(), dtype=dtype))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, 2.0, 3.0], None),
        ([1.0, np.nan, 3.0], 1),
        ([np.inf, 0.0], 0),
        ([1e308, 1e308, -np.inf], 2),
        ([1e308, 1e308], None),  # the sum overflows, every value is still finite
        ([], None),
    ],
)
def test_first_finite_violation(values: list[float], expected: int | None) -> None:
    assert first_finite_violation(np.asarray(values, dtype=np.float64)) == expected


def test_damage_reports() -> None:
    events = skipped_block_events(
        [(3, 1536, "checksum mismatch"), (9, 4608, "impossible timestamp")],
        kept_blocks=np.array([4, 5, 10]),
        kept_last_s=np.array([10.0, 11.0, 12.0]),
        previous_last_s=9.0,
    )
    assert [(e.at_s, e.detail["block"], e.detail["byte_offset"]) for e in events] == [
        (9.0, 3, 1536),
        (11.0, 9, 4608),
    ]
    common = {"previous_sequence": 7, "sequence": 8, "otherwise": "clock jump"}
    assert gap_reason("page", previous_block=4, block=5, **common) == "clock jump"
    assert (
        gap_reason("page", previous_block=4, block=6, **common) == "1 damaged page skipped (page 5)"
    )
    assert (
        gap_reason("block", previous_block=4, block=8, **common)
        == "3 damaged blocks skipped (blocks 5-7)"
    )
    assert (
        gap_reason(
            "block", previous_block=4, block=5, previous_sequence=7, sequence=9, otherwise=""
        )
        == "block sequence number jumps from 7 to 9"
    )
    gap = gap_event(10.0, 12.5, "why")
    assert (gap.kind, gap.at_s, gap.detail["duration_s"]) == ("gap", 10.0, 2.5)
