"""Sampling rate, gaps (reported, never interpolated), resampling, gravity and non-wear."""

from __future__ import annotations

import numpy as np
import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.motion.params import NonWearParams, PrepareParams
from dystonia.motion.prepare import (
    NonWearDetector,
    check_time,
    detect_non_wear,
    estimate_sampling,
    find_gaps,
    gap_threshold,
    remove_gravity,
    resample_uniform,
    split_segments,
    valid_runs,
)


def test_sampling_rate_from_median_step_and_jitter() -> None:
    rng = np.random.default_rng(0)
    t = np.cumsum(np.full(5000, 0.01) + rng.normal(0, 0.0005, 5000))
    info = estimate_sampling(t)
    assert info.fs_hz == pytest.approx(100.0, rel=0.01)
    assert info.jitter_s == pytest.approx(0.0005, rel=0.1)
    assert info.jitter_fraction == pytest.approx(0.05, rel=0.1)


def test_gaps_are_listed_with_start_and_duration() -> None:
    t = np.concatenate((np.arange(0, 10, 0.01), np.arange(12.5, 20, 0.01)))
    threshold = gap_threshold(0.01)
    assert threshold == pytest.approx(0.015)
    gaps = find_gaps(t, threshold_s=threshold)
    assert len(gaps) == 1
    assert gaps[0].start_s == pytest.approx(9.99)
    assert gaps[0].duration_s == pytest.approx(2.51)
    assert split_segments(t, threshold_s=threshold) == [(0, 1000), (1000, 1750)]


def test_configurable_gap_threshold() -> None:
    t = np.array([0.0, 0.01, 0.02, 0.05, 0.06])
    assert len(find_gaps(t, threshold_s=gap_threshold(0.01))) == 1
    assert find_gaps(t, threshold_s=gap_threshold(0.01, PrepareParams(gap_threshold_s=0.1))) == []


def test_resampling_never_interpolates_across_a_gap() -> None:
    t = np.concatenate((np.arange(0, 1, 0.01), np.arange(2.0, 3.0, 0.01)))
    x = np.where(t < 1.5, 1.0, 5.0)[:, None]
    block = resample_uniform(t, x, fs_hz=100.0, origin_s=0.0, threshold_s=0.015)
    grid_t = block.first_index / 100.0 + np.arange(block.values.shape[0]) / 100.0
    in_gap = (grid_t > 0.99 + 1e-9) & (grid_t < 2.0 - 1e-9)
    assert not block.valid[in_gap].any()
    assert block.valid[~in_gap].all()
    # values on either side are the originals, nothing between them
    assert set(np.unique(block.values[block.valid, 0])) == {1.0, 5.0}
    starts, _stops = valid_runs(block.valid)
    assert len(starts) == 2


def test_resampling_is_exact_for_a_linear_signal_with_jitter() -> None:
    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0, 10, 900))
    t = np.unique(np.round(t, 6))
    block = resample_uniform(t, 3.0 * t[:, None] + 1.0, fs_hz=50.0, origin_s=0.0, threshold_s=1.0)
    grid_t = (block.first_index + np.arange(block.values.shape[0])) / 50.0
    assert np.allclose(block.values[:, 0], 3.0 * grid_t + 1.0)


def test_non_finite_samples_are_invalid_not_filled() -> None:
    t = np.arange(0, 2, 0.01)
    x = np.ones((t.size, 3))
    x[50] = np.nan
    block = resample_uniform(t, x, fs_hz=100.0, origin_s=0.0, threshold_s=0.015)
    assert not block.valid[49:52].all()
    assert np.isfinite(block.values).all()


@pytest.mark.parametrize(
    "times",
    [np.array([0.0, 0.01, 0.01, 0.02]), np.array([0.0, 0.02, 0.01]), np.array([0.0])],
)
def test_bad_time_raises(times: np.ndarray) -> None:
    with pytest.raises(InvalidInputError):
        check_time(times)


def test_gravity_is_removed_with_a_documented_low_pass() -> None:
    fs = 100.0
    t = np.arange(0, 20, 1 / fs)
    gravity = np.stack([np.sin(2 * np.pi * 0.02 * t), np.zeros_like(t), np.ones_like(t)], axis=1)
    move = 0.1 * np.sin(2 * np.pi * 5 * t)[:, None] * np.array([0, 1, 0])
    dyn, grav = remove_gravity(gravity + move, fs)
    core = slice(200, -200)
    assert np.abs(grav[core] - gravity[core]).max() < 0.01
    assert np.abs(dyn[core] - move[core]).max() < 0.01


def test_params_are_validated_never_clamped() -> None:
    with pytest.raises(InvalidInputError, match="gap_factor"):
        PrepareParams(gap_factor=0.5)
    with pytest.raises(InvalidInputError, match="min_axes"):
        NonWearParams(min_axes=4)


def _still_then_moving(hours_still: float, hours_moving: float, fs: float = 5.0) -> tuple:
    rng = np.random.default_rng(2)
    n_still = int(hours_still * 3600 * fs)
    n_move = int(hours_moving * 3600 * fs)
    still = np.array([0.0, 0.0, 1.0]) + rng.normal(0, 0.002, (n_still, 3))
    moving = np.array([0.0, 0.0, 1.0]) + rng.normal(0, 0.2, (n_move, 3))
    acc = np.concatenate((moving, still, moving))
    t = np.arange(acc.shape[0]) / fs
    return t, acc


def test_non_wear_van_hees_marks_the_still_period() -> None:
    t, acc = _still_then_moving(3.0, 2.0)
    res = detect_non_wear(t, acc)
    assert res.assessed
    periods = res.periods()
    assert len(periods) == 1
    # the still stretch is 2 h - 5 h; blocks whose centred hour is mostly still are non-wear
    assert periods[0].start_s == pytest.approx(2 * 3600 + 1800, abs=900)
    assert periods[0].duration_s == pytest.approx(2 * 3600, abs=1800)


def test_non_wear_not_assessed_for_short_recordings() -> None:
    t, acc = _still_then_moving(0.2, 0.1)
    assert not detect_non_wear(t, acc).assessed


def test_non_wear_streaming_equals_in_memory() -> None:
    t, acc = _still_then_moving(2.0, 1.5)
    fs = 5.0
    whole = NonWearDetector(fs)
    whole.update(0, acc, np.ones(len(t), dtype=bool))
    parts = NonWearDetector(fs)
    for a in range(0, len(t), 7777):
        parts.update(a, acc[a : a + 7777], np.ones(min(7777, len(t) - a), dtype=bool))
    r1 = whole.result(len(t))
    r2 = parts.result(len(t))
    assert np.array_equal(r1.non_wear, r2.non_wear)
    assert r1.non_wear.any()
