"""Tremor features on synthetic signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.motion import MotionParams, Recording, TremorParams, analyze, tremor_stability_index
from dystonia.motion.params import STANDARD_GRAVITY_M_S2
from dystonia.motion.synthetic import Episode, tremor_episodes, tremor_wave
from dystonia.motion.tremor import (
    band_features,
    band_pass,
    band_pass_flat,
    detect_tremor,
    directionality,
    spectral_features,
)

FS = 100.0


def _gyro_recording(
    x: np.ndarray, *, axis: int = 0, noise: float = 0.3, seed: int = 0
) -> Recording:
    n = x.shape[0]
    rng = np.random.default_rng(seed)
    gyro = rng.normal(0, noise, (n, 3))
    gyro[:, axis] += x
    return Recording(np.arange(n) / FS, None, gyro)


@pytest.mark.parametrize("freq_hz", [3.7, 5.0, 6.3, 8.9, 11.2])
@pytest.mark.parametrize("amp_deg_s", [3.0, 40.0])
def test_sinusoid_frequency_and_amplitude(freq_hz: float, amp_deg_s: float) -> None:
    t = np.arange(int(60 * FS)) / FS
    rep = analyze(_gyro_recording(amp_deg_s * np.sin(2 * np.pi * freq_hz * t + 0.3)))
    tr = rep.tremor
    assert tr["present"]
    assert tr["fraction_of_time"] == 1.0
    assert abs(tr["peak_frequency_hz"] - freq_hz) < 0.1
    # RMS of the magnitude of the band-filtered vector: A / sqrt(2) (noise adds < 1 %)
    assert tr["amplitude"]["unit"] == "deg/s"
    assert tr["amplitude"]["value"] == pytest.approx(amp_deg_s / np.sqrt(2), rel=0.05)
    assert tr["directionality"] > 0.95


def test_accelerometer_only_amplitude_in_m_s2_with_gravity() -> None:
    t = np.arange(int(40 * FS)) / FS
    amp_m_s2 = 0.5
    acc = np.tile([0.0, 0.6, 0.8], (t.size, 1))
    acc[:, 0] += amp_m_s2 / STANDARD_GRAVITY_M_S2 * np.sin(2 * np.pi * 6.0 * t)
    acc += np.random.default_rng(3).normal(0, 0.001, acc.shape)
    rep = analyze(Recording(t, acc, None))
    assert rep.tremor["amplitude"]["unit"] == "m/s^2"
    assert rep.tremor["signal"] == "acc"
    assert rep.tremor["amplitude"]["value"] == pytest.approx(amp_m_s2 / np.sqrt(2), rel=0.05)
    assert abs(rep.tremor["peak_frequency_hz"] - 6.0) < 0.1


def test_gyro_preferred_unless_asked() -> None:
    t = np.arange(int(20 * FS)) / FS
    gyro = np.zeros((t.size, 3))
    gyro[:, 2] = 10 * np.sin(2 * np.pi * 5 * t)
    acc = np.tile([0.0, 0.0, 1.0], (t.size, 1))
    acc[:, 1] += 0.02 * np.sin(2 * np.pi * 5 * t)
    rec = Recording(t, acc, gyro)
    assert analyze(rec).tremor["signal"] == "gyro"
    assert analyze(rec, params=MotionParams(prefer="acc")).tremor["amplitude"]["unit"] == "m/s^2"


def test_no_tremor_in_noise() -> None:
    rng = np.random.default_rng(5)
    n = int(120 * FS)
    rep = analyze(Recording(np.arange(n) / FS, None, rng.normal(0, 0.5, (n, 3))))
    assert not rep.tremor["present"]
    assert rep.tremor["fraction_of_time"] == 0.0
    assert rep.tremor["peak_frequency_hz"] is None
    assert rep.tremor["amplitude"]["value"] is None
    assert rep.tremor["tsi_hz"] is None


def test_tsi_orders_regular_below_irregular() -> None:
    t = np.arange(int(100 * FS)) / FS
    values = []
    for sd in (0.0, 0.4, 1.2):
        x = tremor_wave(
            t,
            frequency_hz=5.5,
            amplitude=15,
            frequency_sd_hz=sd,
            frequency_bandwidth_hz=5.0,
            seed=7,
        )
        rep = analyze(_gyro_recording(x, axis=1))
        values.append(rep.tremor["tsi_hz"])
        direct = tremor_stability_index(x, FS).tsi_hz
        assert direct == pytest.approx(rep.tremor["tsi_hz"], abs=0.1)
    assert values[0] < 0.05  # interpolated crossings: a pure sinusoid has (almost) no spread
    assert values[0] < values[1] < values[2]


def test_tsi_of_pure_sinusoid_at_non_integer_period_is_near_zero() -> None:
    # 5.3 Hz at 100 Hz: 18.87 samples per cycle; whole-sample crossings would give ~0.3 Hz
    t = np.arange(int(30 * FS)) / FS
    res = tremor_stability_index(np.sin(2 * np.pi * 5.3 * t), FS)
    assert res.f0_hz == pytest.approx(5.3, abs=0.05)
    assert res.tsi_hz < 0.02
    assert res.n_changes > 100


def test_tsi_needs_two_seconds() -> None:
    with pytest.raises(InvalidInputError):
        tremor_stability_index(np.zeros(50), FS)


def test_irregular_tremor_has_wider_peak_and_frequency_spread() -> None:
    t = np.arange(int(100 * FS)) / FS
    reg = analyze(_gyro_recording(tremor_wave(t, frequency_hz=6, amplitude=10, seed=1)))
    irr = analyze(
        _gyro_recording(
            tremor_wave(
                t,
                frequency_hz=6,
                amplitude=10,
                frequency_sd_hz=1.0,
                frequency_bandwidth_hz=3.0,
                amplitude_cv=0.3,
                seed=1,
            )
        )
    )
    assert irr.tremor["if_sd_hz"] > 3 * reg.tremor["if_sd_hz"]
    assert irr.tremor["peak_width_hz"] > reg.tremor["peak_width_hz"]
    assert irr.tremor["amplitude_cv"] > 3 * reg.tremor["amplitude_cv"]


def test_directionality_one_axis_vs_isotropic() -> None:
    rng = np.random.default_rng(4)
    t = np.arange(int(20 * FS)) / FS
    one_axis = np.outer(np.sin(2 * np.pi * 5 * t), [0.6, 0.8, 0.0])
    iso = rng.normal(0, 1, (t.size, 3))
    assert directionality(one_axis) == pytest.approx(1.0, abs=1e-9)
    assert directionality(iso) == pytest.approx(1 / 3, abs=0.03)
    # through the whole analysis: independent narrow-band tremor on each axis -> near 1/3
    t = np.arange(int(120 * FS)) / FS
    gyro = 10 * band_pass(rng.normal(0, 1, (t.size, 3)), FS, (4.5, 5.5)) * 5
    rep = analyze(Recording(t, None, gyro))
    assert rep.tremor["present"]
    assert rep.tremor["directionality"] < 0.6
    rep1 = analyze(Recording(t, None, np.outer(10 * np.sin(2 * np.pi * 5 * t), [0, 0.6, 0.8])))
    assert rep1.tremor["directionality"] > 0.99


def test_detection_sensitivity_and_specificity_per_window() -> None:
    rng = np.random.default_rng(11)
    episodes = []
    truth_spans = []
    start = 8.0
    for i in range(12):
        dur = 24.0
        sd = 0.0 if i % 2 == 0 else 0.8
        episodes.append(Episode(start, dur, rng.uniform(4, 10), rng.uniform(3, 30), sd))
        truth_spans.append((start, start + dur))
        start += dur + 24.0
    rec = tremor_episodes(duration_s=start, episodes=episodes, voluntary_deg_s=3.0, seed=rng)
    rep = analyze(rec)
    w = rep.windows
    mid_in = np.zeros(len(w), dtype=bool)
    full_in = np.zeros(len(w), dtype=bool)
    for a, b in truth_spans:
        full_in |= (w.start_s >= a - 1e-6) & (w.start_s + 4.0 <= b + 1e-6)
        mid_in |= (w.start_s + 4.0 > a) & (w.start_s < b)
    sens = w.tremor[full_in].mean()
    spec = (~w.tremor[~mid_in]).mean()
    assert sens >= 0.9
    assert spec >= 0.95


def test_detection_rule_uses_all_three_conditions() -> None:
    feats = {
        "is_peak": np.array([True, True, True, False]),
        "peak_ratio": np.array([0.5, 0.1, 0.5, 0.9]),
        "amplitude": np.array([5.0, 5.0, 0.5, 5.0]),
    }
    got = detect_tremor(feats, unit="deg/s")
    assert got.tolist() == [True, False, False, False]
    with pytest.raises(InvalidInputError):
        detect_tremor(feats, unit="g")


def test_spectral_features_batch_matches_single() -> None:
    rng = np.random.default_rng(2)
    w = rng.normal(0, 1, (5, 3, 400))
    batch = spectral_features(w, FS)
    one = spectral_features(w[2:3], FS)
    assert batch["peak_frequency_hz"][2] == pytest.approx(one["peak_frequency_hz"][0])
    bf = band_features(w)
    assert np.allclose(bf["amplitude"] ** 2, bf["power"])


def test_low_sampling_rate_is_refused() -> None:
    t = np.arange(0, 30, 1 / 20.0)
    with pytest.raises(InvalidInputError, match="fs_hz"):
        analyze(Recording(t, None, np.zeros((t.size, 3))))


def test_params_reject_bad_values() -> None:
    with pytest.raises(InvalidInputError, match="band_hz"):
        TremorParams(band_hz=(12.0, 3.0))
    with pytest.raises(InvalidInputError, match="reference_band_hz"):
        TremorParams(reference_band_hz=(4.0, 20.0))
    with pytest.raises(InvalidInputError, match="overlap"):
        TremorParams(overlap=1.0)


def test_flat_band_pass_keeps_amplitude_near_band_edges() -> None:
    t = np.arange(int(20 * FS)) / FS
    for f in (3.1, 7.0, 11.9):
        y = band_pass_flat(np.sin(2 * np.pi * f * t), FS, (3.0, 12.0))
        assert np.sqrt(np.mean(y[400:-400] ** 2)) == pytest.approx(1 / np.sqrt(2), rel=0.01)
    y = band_pass_flat(np.sin(2 * np.pi * 1.0 * t) + 1.0, FS, (3.0, 12.0))
    assert np.abs(y[400:-400]).max() < 0.01
