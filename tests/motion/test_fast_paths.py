"""The optimised paths give the same numbers as the plain ones (and as scipy)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import signal

from dystonia.motion import MotionParams, NonWearParams, Recording, analyze, analyze_stream
from dystonia.motion.io import iter_recording
from dystonia.motion.io.batches import Batch
from dystonia.motion.io.read import iter_batches
from dystonia.motion.prepare import NonWearDetector
from dystonia.motion.synthetic import Episode, tremor_episodes
from dystonia.motion.tremor import (
    _band_pass_design,
    _sosfiltfilt_rows,
    band_pass_flat,
    band_pass_flat_rows,
    spectral_features,
)

FS = 100.0


@pytest.mark.parametrize(("order", "band"), [(3, (3.0, 7.0)), (3, (1.0, 5.5)), (4, (8.0, 14.0))])
def test_cached_zero_phase_filter_equals_scipy(order: int, band: tuple[float, float]) -> None:
    design = _band_pass_design(order, band[0], band[1], FS)
    x = np.random.default_rng(1).normal(size=(5, 800))
    expected = signal.sosfiltfilt(design.sos.copy(), x, axis=1)
    assert np.array_equal(_sosfiltfilt_rows(design, x), expected)


@pytest.mark.parametrize("n", [2, 5, 401, 3000])
def test_row_band_pass_equals_column_band_pass(n: int) -> None:
    x = np.random.default_rng(n).normal(size=(n, 3))
    rows = band_pass_flat_rows(np.ascontiguousarray(x.T), FS, (3.0, 12.0))
    assert np.array_equal(rows.T.astype(np.float64), band_pass_flat(x, FS, (3.0, 12.0)))


@pytest.mark.parametrize(("channels", "padded_rows"), [(1, 1), (2, 2), (3, 4), (5, 5), (7, 8)])
def test_zero_rows_added_for_the_vectorised_transform_change_nothing(
    channels: int, padded_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dystonia.motion.tremor as tremor

    x = np.random.default_rng(channels).normal(size=(channels, 5000)) * 20.0
    monkeypatch.setattr(tremor, "_SCRATCH", threading.local())  # this test's own scratch
    padded = band_pass_flat_rows(x, FS, (3.0, 12.0))
    # one zero row only where it completes a group of four (three axes)
    assert [shape[0] for shape, _ in tremor._SCRATCH.padded] == [padded_rows]
    monkeypatch.setattr(tremor, "_FFT_ROW_GROUP", 1)
    plain = band_pass_flat_rows(x, FS, (3.0, 12.0))
    assert [shape[0] for shape, _ in tremor._SCRATCH.padded][-1] == channels
    assert padded.shape == plain.shape == (channels, 5000)
    assert np.array_equal(padded, plain)


def test_band_pass_into_the_thread_scratch_equals_the_plain_one() -> None:
    x = np.random.default_rng(8).normal(size=(3, 6000)) * 20.0
    plain = band_pass_flat_rows(x, FS, (3.0, 12.0))
    reused = band_pass_flat_rows(x, FS, (3.0, 12.0), scratch=True)
    assert np.array_equal(plain, reused)
    # the plain result is the caller's own; the scratch one is overwritten by the next call
    band_pass_flat_rows(x * 2.0, FS, (3.0, 12.0), scratch=True)
    assert np.array_equal(plain, band_pass_flat_rows(x, FS, (3.0, 12.0)))
    assert np.allclose(reused, 2.0 * plain, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("n", [7, 800, 801])
def test_real_fft_hilbert_transform_equals_scipy(n: int) -> None:
    from dystonia.motion.tremor import _hilbert_transform

    y = np.random.default_rng(n).normal(size=(5, n))
    assert np.allclose(_hilbert_transform(y), signal.hilbert(y, axis=1).imag, rtol=0, atol=1e-12)


def _reference_spectrum(window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plain numpy: Hann-tapered, mean-removed, zero-padded to 1024, summed over axes."""
    taper = np.hanning(window.shape[1] + 1)[:-1]
    x = (window - window.mean(axis=1, keepdims=True)) * taper
    power = np.abs(np.fft.rfft(x, n=1024, axis=1)) ** 2
    psd = power.sum(axis=0) * 2.0 / (FS * np.sum(taper**2))
    return np.fft.rfftfreq(1024, 1.0 / FS), psd


def test_spectral_features_match_a_plain_reference() -> None:
    t = np.arange(400) / FS
    rng = np.random.default_rng(2)
    windows = rng.normal(0, 0.5, (6, 3, 400))
    windows[:, 0] += 10 * np.sin(
        2 * np.pi * np.array([3.7, 5.0, 6.4, 8.1, 10.3, 11.6])[:, None] * t
    )
    windows[:, 1] += 30 * np.sin(2 * np.pi * 0.8 * t)  # slow movement outside the band
    got = spectral_features(windows, FS)
    for i, w in enumerate(windows):
        freqs, psd = _reference_spectrum(w)
        in_band = (freqs >= 3.0) & (freqs <= 12.0)
        k = np.flatnonzero(in_band)[np.argmax(psd[in_band])]
        df = freqs[1]
        assert abs(got["peak_frequency_hz"][i] - freqs[k]) <= df / 2
        peak = (
            psd[
                (freqs >= got["peak_frequency_hz"][i] - 1.0)
                & (freqs <= got["peak_frequency_hz"][i] + 1.0)
            ].sum()
            * df
        )
        ref = psd[(freqs >= 0.5) & (freqs <= 20.0)].sum() * df
        assert got["peak_ratio"][i] == pytest.approx(peak / ref, rel=1e-4)
        f0 = got["peak_frequency_hz"][i]
        clipped = (freqs >= max(f0 - 1.0, 3.0)) & (freqs <= min(f0 + 1.0, 12.0))
        band = psd[in_band].sum() * df
        assert got["band_peak_ratio"][i] == pytest.approx(psd[clipped].sum() * df / band, rel=1e-4)


@pytest.fixture(scope="module")
def gappy_rec() -> Recording:
    rec = tremor_episodes(
        duration_s=300, episodes=[Episode(20, 120, 5.0, 10, 0.6), Episode(200, 60, 8.0, 5)], seed=7
    )
    keep = (rec.time_s < 100) | (rec.time_s >= 113.37)
    assert rec.acc_g is not None and rec.gyro_dps is not None
    return Recording(rec.time_s[keep], rec.acc_g[keep], rec.gyro_dps[keep])


@pytest.mark.parametrize("chunk_s", [10.0, 37.0])
def test_results_do_not_depend_on_chunking(gappy_rec: Recording, chunk_s: float) -> None:
    whole = analyze(gappy_rec, chunk_s=3600.0)
    parts = analyze(gappy_rec, chunk_s=chunk_s)
    assert np.array_equal(whole.windows.start_s, parts.windows.start_s)
    assert np.array_equal(whole.windows.tremor, parts.windows.tremor)
    for name, values in whole.windows.values.items():
        assert np.array_equal(values, parts.windows.values[name], equal_nan=True), name
    assert whole.tremor == parts.tremor


@pytest.mark.parametrize("acc_only", [False, True])
def test_decoded_pieces_give_the_same_analysis_as_recordings(
    tmp_path: Path, gappy_rec: Recording, acc_only: bool
) -> None:
    """``analyze(path)`` takes the reader's pieces with their axes unstacked; the numbers are
    those of the same pieces as Recordings, and of the whole recording in memory."""
    rec = Recording(gappy_rec.time_s, gappy_rec.acc_g, None) if acc_only else gappy_rec
    path = tmp_path / "rec.parquet"
    columns: dict[str, Any] = {"time": rec.time_s}
    for sensor, data in (("acc", rec.acc_g), ("gyro", rec.gyro_dps)):
        if data is not None:
            columns |= {f"{sensor}_{axis}": data[:, k] for k, axis in enumerate("xyz")}
    pq.write_table(pa.table(columns), path, row_group_size=7_000)
    src, pieces = iter_batches(path)
    assert src.format == "parquet"
    assert all(isinstance(p.axes("acc"), tuple) for p in pieces)  # columns, as decoded

    from_path = analyze(path)
    from_recordings = analyze_stream(
        iter_recording(path, chunk_s=None), source=str(path), format="parquet"
    )
    in_memory = analyze(rec)
    for other in (from_recordings, in_memory):
        assert np.array_equal(from_path.windows.start_s, other.windows.start_s)
        for name, values in from_path.windows.values.items():
            assert np.array_equal(values, other.windows.values[name], equal_nan=True), name
        assert from_path.tremor == other.tremor
        assert from_path.non_wear.assessed == other.non_wear.assessed
        assert np.array_equal(from_path.non_wear.non_wear, other.non_wear.non_wear)
    assert from_path.tremor["n_windows"] > 50
    assert acc_only or from_path.tremor["n_tremor_windows"] > 0


@pytest.mark.parametrize("as_columns", [False, True])
def test_batches_fed_on_the_grid_equal_the_recording(as_columns: bool) -> None:
    """Pieces as the readers decode them, on the grid and over several blocks (the buffer
    drops analysed samples and moves to new stores): device readers give (n, 3) arrays,
    columnar readers three columns; both give the numbers of the whole recording."""
    rec = tremor_episodes(
        duration_s=3600, episodes=[Episode(300, 900, 5.5, 12, 0.4), Episode(2000, 600, 7.0, 6)]
    )
    assert rec.acc_g is not None and rec.gyro_dps is not None

    def triplet(data: np.ndarray, a: int, b: int) -> Any:
        part = data[a:b]
        return tuple(np.ascontiguousarray(part[:, k]) for k in range(3)) if as_columns else part

    step = 65_536
    pieces = [
        Batch(
            rec.time_s[a : a + step],
            triplet(rec.acc_g, a, a + step),
            triplet(rec.gyro_dps, a, a + step),
        )
        for a in range(0, rec.n_samples, step)
    ]
    # the synthetic wrist lies still (non-wear all day): windows compared with non-wear off,
    # the non-wear statistics (fed axis by axis) with it on
    worn = MotionParams(non_wear=NonWearParams(enabled=False))
    from_batches = analyze_stream(pieces, params=worn, source="pieces")
    whole = analyze(rec, params=worn)
    assert from_batches.tremor["n_tremor_windows"] > 100
    assert np.array_equal(from_batches.windows.start_s, whole.windows.start_s)
    for name, values in whole.windows.values.items():
        assert np.array_equal(values, from_batches.windows.values[name], equal_nan=True), name
    assert from_batches.tremor == whole.tremor
    still, whole_still = analyze_stream(pieces, source="pieces").non_wear, analyze(rec).non_wear
    assert still.assessed and np.array_equal(still.non_wear, whole_still.non_wear)
    assert still.non_wear.all()


def test_non_wear_of_float32_axes_is_summed_in_float64() -> None:
    rng = np.random.default_rng(6)
    acc = rng.normal(0, 0.002, (9000, 3)) + np.array([0.0, 0.0, 1.0])
    wide, narrow = NonWearDetector(5.0), NonWearDetector(5.0)
    wide.update_axes(0, tuple(acc[:, k].astype(np.float32).astype(np.float64) for k in range(3)))
    narrow.update_axes(0, tuple(acc[:, k].astype(np.float32) for k in range(3)))
    assert np.array_equal(wide._m2, narrow._m2)


def _fed_in_pieces(
    seed: int,
    one: Callable[[NonWearDetector, int, np.ndarray], None],
    other: Callable[[NonWearDetector, int, np.ndarray], None],
) -> tuple[np.ndarray, NonWearDetector, NonWearDetector]:
    """20,000 samples of a wrist lying still fed in pieces to two detectors, two ways."""
    acc = np.random.default_rng(seed).normal(0, 0.01, (20_000, 3)) + np.array([0.0, 0.0, 1.0])
    first, second = NonWearDetector(5.0), NonWearDetector(5.0)
    for a in range(0, 20_000, 3333):
        one(first, a, acc[a : a + 3333])
        other(second, a, acc[a : a + 3333])
    return acc, first, second


def test_non_wear_axis_by_axis_equals_rows() -> None:
    acc, rows, axes = _fed_in_pieces(
        4,
        lambda det, a, part: det.update(a, part),
        lambda det, a, part: det.update_axes(
            a, tuple(np.ascontiguousarray(part[:, k]) for k in range(3))
        ),
    )
    # strided and contiguous sums may add in another order (the z axis, 1 g +- 0.01 g, loses
    # 1e4 x rounding to the subtraction of the sum-of-squares form): equal to 1e-9
    assert np.allclose(rows._m2, axes._m2, rtol=1e-9, atol=0)
    assert np.allclose(rows._mean, axes._mean, rtol=1e-14, atol=0)
    assert np.array_equal(rows._min, axes._min) and np.array_equal(rows._max, axes._max)
    # the sum-of-squares form: equal to the two-pass variance to 1e-8 here, and for a constant
    # signal rounding only, never negative (a standard deviation under 1e-7 g; the non-wear
    # thresholds are milli-g)
    half = rows.sub_n
    for j in range(rows._m2.shape[0]):
        part = acc[j * half : (j + 1) * half]
        expected = ((part - part.mean(axis=0)) ** 2).sum(axis=0)  # two-pass reference
        assert np.allclose(rows._m2[j], expected, rtol=1e-8), j
        assert np.allclose(rows._mean[j], part.mean(axis=0), rtol=1e-12)
        assert np.array_equal(rows._min[j], part.min(axis=0))
    still = NonWearDetector(5.0)
    still.update(0, np.tile([0.1, -0.3, 0.98], (5000, 1)))
    assert np.all(still._m2 >= 0.0) and np.all(np.sqrt(still._m2 / still.sub_n) < 1e-7)


def test_non_wear_all_valid_path_equals_masked_path() -> None:
    _, fast, masked = _fed_in_pieces(
        3,
        lambda det, a, part: det.update(a, part),
        lambda det, a, part: det.update(a, part, np.ones(part.shape[0], dtype=bool)),
    )
    assert np.allclose(fast._m2, masked._m2, rtol=1e-9)
    assert np.array_equal(fast._min, masked._min)
    assert np.array_equal(fast._n, masked._n)


def _with_gap(gap_s: float) -> Recording:
    """Ten minutes of tremor episodes, then ``gap_s`` without samples, then ten minutes more."""
    rec = tremor_episodes(
        duration_s=600, episodes=[Episode(30, 200, 5.5, 12, 0.4), Episode(400, 150, 7.0, 6)], seed=5
    )
    assert rec.acc_g is not None and rec.gyro_dps is not None
    t = np.concatenate((rec.time_s, rec.time_s + rec.time_s[-1] + gap_s))
    return Recording(
        t, np.concatenate((rec.acc_g, rec.acc_g)), np.concatenate((rec.gyro_dps, rec.gyro_dps))
    )


@pytest.mark.parametrize("chunk_s", [None, 45.0])
def test_jumping_a_long_gap_gives_the_same_windows(
    monkeypatch: pytest.MonkeyPatch, chunk_s: float | None
) -> None:
    from dystonia.motion.report import MotionAnalyzer

    rec = _with_gap(1800.0)  # 180,000 grid samples: longer than the jump threshold
    jumped = analyze(rec, chunk_s=chunk_s)
    monkeypatch.setattr(MotionAnalyzer, "_jump_min_n", lambda self: 10**12)
    filled = analyze(rec, chunk_s=chunk_s)
    assert len(jumped.gaps) == 1 and jumped.gaps[0].duration_s == pytest.approx(1800.0)
    assert np.array_equal(jumped.windows.start_s, filled.windows.start_s)
    assert np.array_equal(jumped.windows.tremor, filled.windows.tremor)
    for name, values in jumped.windows.values.items():
        assert np.array_equal(values, filled.windows.values[name], equal_nan=True), name
    assert jumped.tremor == filled.tremor
    assert jumped.to_dict() == filled.to_dict()


def test_a_gap_of_months_costs_no_memory() -> None:
    import tracemalloc

    rec = _with_gap(200 * 86400.0)  # 1.7e9 grid samples of 100 Hz in the gap
    tracemalloc.start()
    try:
        report = analyze(rec)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20
    assert len(report.gaps) == 1
    assert report.windows.start_s[-1] > 200 * 86400.0
    assert report.tremor["n_windows"] == analyze(_with_gap(1800.0)).tremor["n_windows"]


def test_a_span_beyond_a_year_is_refused() -> None:
    from dystonia.exceptions import InvalidInputError

    with pytest.raises(InvalidInputError, match="spans at most 366 days"):
        analyze(_with_gap(400 * 86400.0))
    with pytest.raises(InvalidInputError, match="spans at most 366 days"):
        analyze(_with_gap(1e12))
    # at 1e300 s consecutive samples collapse to the same float: refused as not increasing
    with pytest.raises(InvalidInputError, match="time_s"):
        analyze(_with_gap(1e300))


@pytest.mark.parametrize(
    "bad",
    [(150, float("nan")), (0, float("nan")), (-1, float("inf"))],
    ids=["mid", "first", "last"],
)
def test_non_finite_times_in_memory_are_a_clear_error(bad: tuple[int, float]) -> None:
    from dystonia.exceptions import InvalidInputError

    rec = _with_gap(0.01)
    t = rec.time_s.copy()
    t[bad[0]] = bad[1]
    with pytest.raises(InvalidInputError, match="time_s"):
        analyze(Recording(t, rec.acc_g, rec.gyro_dps))


def test_a_closed_analysis_refuses_more_work() -> None:
    from dystonia.exceptions import InvalidInputError
    from dystonia.motion.report import MotionAnalyzer

    rec = _with_gap(0.01)
    engine = MotionAnalyzer()
    half = rec.n_samples // 2
    engine.feed(Recording(rec.time_s[:half], rec.acc_g[:half], rec.gyro_dps[:half]))  # type: ignore[index]
    engine.close()
    with pytest.raises(InvalidInputError, match="closed"):
        engine.feed(Recording(rec.time_s[half:], rec.acc_g[half:], rec.gyro_dps[half:]))  # type: ignore[index]
    with pytest.raises(InvalidInputError, match="closed"):
        engine.finish()


def test_duration_ends_at_a_last_sample_at_time_zero() -> None:
    rec = _with_gap(0.01)
    t = rec.time_s - rec.time_s[-1]  # from -1200 s to exactly 0
    report = analyze(Recording(t, rec.acc_g, rec.gyro_dps))
    assert report.to_dict()["recording"]["duration_s"] == pytest.approx(float(-t[0]) + 0.01)


def test_large_one_off_transforms_are_not_kept() -> None:
    import dystonia.motion.tremor as tremor

    x = np.random.default_rng(0).normal(size=(3, 2_000_000))
    band_pass_flat_rows(x, FS, (3.0, 12.0))
    kept = getattr(tremor._SCRATCH, "padded", {})
    assert all(buf.size <= tremor._SCRATCH_MAX_VALUES for buf in kept.values())
