"""Batches to recordings: time windows of any span, and preallocation that trusts no header."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io.batches import (
    Batch,
    Event,
    Source,
    _window_index,
    _window_start,
    concatenate,
    rechunk,
)


def _batch(time_s: list[float] | np.ndarray, events: list[Event] | None = None) -> Batch:
    t = np.asarray(time_s, dtype=np.float64)
    acc = np.column_stack([t, -t, np.ones_like(t)]) if t.size else np.empty((0, 3))
    return Batch(t, acc, None, events or [])


def test_columns_are_stacked_only_when_asked_for() -> None:
    t = np.arange(6, dtype=np.float64)
    columns = (t * 1.0, t * 2.0, t * 3.0)
    batch = Batch(t, columns, None)
    assert batch.channels == ["acc_x", "acc_y", "acc_z"]
    axes = batch.axes("acc")
    assert axes is not None and all(a is c for a, c in zip(axes, columns, strict=True))
    assert batch.axes("gyro") is None
    part = batch.take(2, 5)
    assert isinstance(part.axes("acc"), tuple)
    assert part.acc_g is not None and np.array_equal(part.acc_g, np.column_stack(columns)[2:5])
    stacked = batch.acc_g
    assert stacked is not None and stacked.shape == (6, 3)
    assert np.array_equal(stacked, np.column_stack(columns))
    assert stacked.T.flags.c_contiguous  # laid out axis by axis
    assert batch.acc_g is stacked  # stacked once
    # an (n, 3) array gives its axes as views
    arr = np.arange(18.0).reshape(6, 3)
    views = Batch(t, None, arr).axes("gyro")
    assert views is not None and np.shares_memory(views[0], arr)


def _source(batches: list[Batch], **sizes: int | None) -> Source:
    return Source("csv", "test.csv", {}, iter(batches), has_acc=True, has_gyro=False, **sizes)


def _brute_force_index(origin: float, chunk_s: float, t: float) -> int:
    k = 0
    while origin + (k + 1) * chunk_s <= t:
        k += 1
    return k


@settings(max_examples=300, deadline=None)
@given(
    origin=st.floats(-1e6, 1e6),
    chunk_s=st.floats(0.1, 100.0),
    offset=st.floats(0.0, 500.0),
)
def test_window_index_is_the_documented_window(
    origin: float, chunk_s: float, offset: float
) -> None:
    """Away from huge spans, the window is the one a step-by-step count finds."""
    t = origin + offset
    if t < origin:
        return
    k = _window_index(origin, chunk_s, t, 0)
    assert k == _brute_force_index(origin, chunk_s, t)
    assert _window_start(origin, chunk_s, k) <= t < _window_start(origin, chunk_s, k + 1)


@pytest.mark.parametrize(
    ("origin", "chunk_s", "t"),
    [
        (0.0, 1.0, 1e300),
        (-1e308, 1.0, 1e308),  # the estimate overflows to inf
        (0.0, 1.0, 1e24),  # ulp(1e24) is 1.3e8 windows
        (1e300, 1.0, float(np.nextafter(1e300, np.inf))),  # windows start at the same time
        (0.0, 5e-324, 1e308),  # index beyond the float range
        (1.7e9, 3600.0, 1.7e9 + 7 * 86400.0),
    ],
)
def test_window_index_of_huge_jumps_is_quick_and_exact(
    origin: float, chunk_s: float, t: float
) -> None:
    started = time.process_time()
    k = _window_index(origin, chunk_s, t, 0)
    assert time.process_time() - started < 0.05
    assert _window_start(origin, chunk_s, k) <= t < _window_start(origin, chunk_s, k + 1)


def test_window_start_beyond_the_float_range_is_inf() -> None:
    assert _window_start(0.0, 1.0, 10**400) == math.inf
    assert _window_start(0.0, 1.0, 3) == 3.0


def test_rechunk_of_a_huge_time_jump_yields_two_chunks() -> None:
    gap = Event("gap", 1.0, {"start_s": 1.0, "end_s": 1e300})
    src = _source([_batch([0.0, 0.5, 1.0]), _batch([1e300, 1e300 + 1e285], [gap])])
    started = time.process_time()
    chunks = list(rechunk(src, 1.0))
    assert time.process_time() - started < 0.1
    assert [c.n_samples for c in chunks] == [2, 1, 1, 1]
    assert [c.metadata["chunk_index"] for c in chunks[:2]] == [0, 1]
    assert chunks[1].metadata["gaps"] == [gap.detail]  # reported by the chunk before the gap
    for chunk in chunks:
        assert chunk.metadata["chunk_start_s"] <= chunk.time_s[0]
    indices = [c.metadata["chunk_index"] for c in chunks]
    assert indices == sorted(set(indices))


@settings(max_examples=100, deadline=None)
@given(
    steps=st.lists(
        st.floats(1e-3, 1e6) | st.sampled_from([1e20, 1e200, 1e300]), min_size=1, max_size=60
    ),
    cuts=st.lists(st.integers(0, 60), max_size=4),
    chunk_s=st.sampled_from([0.5, 1.0, 3600.0]),
)
def test_rechunk_tiles_any_stream(steps: list[float], cuts: list[int], chunk_s: float) -> None:
    """Chunks hold every sample once, in order, each inside its own window."""
    t = np.cumsum([0.0, *steps])
    t = t[np.isfinite(t)]
    t = t[np.concatenate(([True], np.diff(t) > 0))]
    bounds = sorted({0, len(t), *(c % (len(t) + 1) for c in cuts)})
    batches = [_batch(t[a:b]) for a, b in itertools.pairwise(bounds)]
    chunks = list(rechunk(_source(batches), chunk_s))
    np.testing.assert_array_equal(np.concatenate([c.time_s for c in chunks]), t)
    origin = t[0]
    for chunk in chunks:
        k = chunk.metadata["chunk_index"]
        assert chunk.metadata["chunk_start_s"] == _window_start(origin, chunk_s, k)
        assert _window_start(origin, chunk_s, k) <= chunk.time_s[0]
        assert chunk.time_s[-1] < _window_start(origin, chunk_s, k + 1)
    indices = [c.metadata["chunk_index"] for c in chunks]
    assert indices == sorted(set(indices))


def _stream(n_batches: int, size: int) -> Iterator[Batch]:
    for b in range(n_batches):
        yield _batch(b * size + np.arange(size, dtype=np.float64))


@pytest.mark.parametrize("expected", [1, 250, 999, 1000, 1001, 10**6])
def test_concatenate_does_not_trust_the_expected_count(expected: int) -> None:
    """Fewer or more samples than announced: the same recording either way."""
    src = Source("parquet", "x", {}, _stream(10, 100), True, False, expected_samples=expected)
    rec = concatenate(src)
    np.testing.assert_array_equal(rec.time_s, np.arange(1000.0))
    assert rec.acc_g is not None
    np.testing.assert_array_equal(rec.acc_g[:, 1], -np.arange(1000.0))


def test_concatenate_keeps_events_when_it_falls_back_to_joining() -> None:
    gap = Event("gap", 99.0, {"start_s": 99.0})
    batches = [_batch(np.arange(100.0)), _batch(np.arange(100.0, 200.0), [gap]), _batch([])]
    src = _source(batches, expected_samples=50)
    rec = concatenate(src)
    assert rec.n_samples == 200 and rec.metadata["gaps"] == [gap.detail]


def test_concatenate_refuses_more_than_a_guaranteed_maximum() -> None:
    src = Source("cwa", "x", {}, _stream(3, 100), True, False, max_samples=250)
    with pytest.raises(UnreadableFileError, match=r"more samples than its header announces"):
        concatenate(src)
