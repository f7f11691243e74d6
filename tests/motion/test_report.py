"""The report: contract fields, streaming equivalence, gaps, non-wear, real data, comparison."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from dystonia.exceptions import InvalidInputError, UnreadableFileError
from dystonia.motion import (
    MotionParams,
    NonWearParams,
    Recording,
    analyze,
    analyze_stream,
    compare,
)
from dystonia.motion.report import MotionAnalyzer, recording_from_frame
from dystonia.motion.synthetic import Episode, tremor_episodes

from ._data import PPP_CSV, PPP_PREDICTIONS, cloudupdrs_task, require

CONTRACT_TREMOR = {
    "present",
    "fraction_of_time",
    "peak_frequency_hz",
    "amplitude",
    "tsi_hz",
    "directionality",
}


@pytest.fixture(scope="module")
def episodes_rec() -> Recording:
    return tremor_episodes(
        duration_s=240,
        episodes=[Episode(20, 60, 5.0, 12, 0.5), Episode(140, 40, 7.5, 6)],
        seed=3,
    )


def test_contract_fields_and_strict_json(episodes_rec: Recording) -> None:
    d = analyze(episodes_rec).to_dict()
    assert {"duration_s", "fs_hz", "channels"} <= set(d["recording"])
    assert set(d["tremor"]) >= CONTRACT_TREMOR
    assert set(d["tremor"]["amplitude"]) == {"value", "unit"}
    assert d["tremor"]["amplitude"]["unit"] == "deg/s"
    assert d["recording"]["duration_s"] == pytest.approx(240.0)
    assert d["recording"]["fs_hz"] == pytest.approx(100.0)
    assert d["recording"]["channels"] == ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]
    assert 0.0 <= d["tremor"]["fraction_of_time"] <= 1.0
    assert 0.0 <= d["tremor"]["directionality"] <= 1.0
    row = d["windows"][0]
    assert {"start_s", "tremor", "peak_frequency_hz", "power"} <= set(row)
    json.dumps(d, allow_nan=False)
    assert "windows" not in analyze(episodes_rec).to_dict(include_windows=False)


def test_fraction_of_time_matches_episodes(episodes_rec: Recording) -> None:
    tr = analyze(episodes_rec).tremor
    assert tr["present"]
    # 100 s of tremor in 240 s, windows of 4 s aligned on the episodes
    assert tr["fraction_of_time"] == pytest.approx(100 / 240, abs=0.03)


@pytest.mark.parametrize("chunk_s", [10.0, 33.0])
def test_streaming_equals_in_memory(episodes_rec: Recording, chunk_s: float) -> None:
    whole = analyze(episodes_rec, chunk_s=3600.0)
    parts = analyze(episodes_rec, chunk_s=chunk_s)
    assert len(whole.windows) == len(parts.windows)
    assert np.array_equal(whole.windows.tremor, parts.windows.tremor)
    assert np.allclose(
        whole.windows.column("amplitude"), parts.windows.column("amplitude"), rtol=1e-3
    )
    assert parts.tremor["tsi_hz"] == pytest.approx(whole.tremor["tsi_hz"], abs=1e-3)


def test_stream_of_odd_chunks(episodes_rec: Recording) -> None:
    t = episodes_rec.time_s
    cuts = [0, 1, 2, 777, 5000, 5001, 12345, t.size]

    def chunks():
        for a, b in itertools.pairwise(cuts):
            yield Recording(t[a:b], episodes_rec.acc_g[a:b], episodes_rec.gyro_dps[a:b])

    streamed = analyze_stream(chunks())
    whole = analyze(episodes_rec)
    assert np.array_equal(streamed.windows.tremor, whole.windows.tremor)


def test_gaps_reported_and_windows_never_span_them(episodes_rec: Recording) -> None:
    t = episodes_rec.time_s
    keep = (t < 50.0) | (t >= 61.3)
    rec = Recording(t[keep], episodes_rec.acc_g[keep], episodes_rec.gyro_dps[keep])
    rep = analyze(rec)
    assert rep.recording["n_gaps"] == 1
    gap = rep.to_dict()["gaps"][0]
    assert gap["start_s"] == pytest.approx(49.99)
    assert gap["duration_s"] == pytest.approx(11.31)
    starts = rep.windows.start_s
    # no window has samples on both sides of the gap (last sample at start + 3.99 s)
    assert not np.any((starts + 3.99 > 49.99 + 1e-6) & (starts < 61.3 - 1e-6))
    assert np.isclose(starts, 44.0).any() and np.isclose(starts, 64.0).any()
    assert rep.recording["valid_s"] == pytest.approx(240 - 11.3, abs=0.05)


def test_chunks_out_of_order_are_refused(episodes_rec: Recording) -> None:
    t = episodes_rec.time_s
    engine = MotionAnalyzer()
    engine.feed(Recording(t[1000:2000], None, episodes_rec.gyro_dps[1000:2000]))
    with pytest.raises(InvalidInputError, match="time_s"):
        engine.feed(Recording(t[:1000], None, episodes_rec.gyro_dps[:1000]))


def test_non_wear_is_removed_from_valid_time() -> None:
    fs = 50.0
    rng = np.random.default_rng(8)
    n = int(3600 * fs)
    t = np.arange(n) / fs
    acc = np.tile([0.0, 0.0, 1.0], (n, 1)) + rng.normal(0, 0.1, (n, 3))
    still = (t >= 1200) & (t < 2400)
    acc[still] = np.array([0.0, 0.0, 1.0]) + rng.normal(0, 0.002, (still.sum(), 3))
    gyro = rng.normal(0, 0.3, (n, 3))
    gyro[~still, 0] += 10 * np.sin(2 * np.pi * 5 * t[~still])
    params = MotionParams(non_wear=NonWearParams(window_s=600.0, step_s=150.0))
    rep = analyze(Recording(t, acc, gyro), params=params)
    nw = rep.non_wear.to_dict()
    assert nw["assessed"]
    # centred 600-s windows: the still 1200 s minus (window - step) = 750 s, +- one block
    assert nw["non_wear_s"] == pytest.approx(750, abs=150)
    # tremor everywhere except the still 1200 s; valid time excludes the non-wear part only
    expected = 2400 / (3600 - nw["non_wear_s"])
    assert rep.tremor["fraction_of_time"] == pytest.approx(expected, abs=0.02)
    assert (~rep.windows.worn).sum() * 4.0 == pytest.approx(nw["non_wear_s"], abs=8)


def test_frame_input_and_errors() -> None:
    t = np.arange(0, 20, 0.01)
    frame = pd.DataFrame({"time": t} | {f"gyro_{a}": np.sin(2 * np.pi * 5 * t) * 8 for a in "xyz"})
    assert analyze(frame).tremor["present"]
    with pytest.raises(InvalidInputError, match="time"):
        analyze(frame.drop(columns="time"))
    with pytest.raises(InvalidInputError, match="gyro_z"):
        recording_from_frame(frame.drop(columns="gyro_z"))
    with pytest.raises(InvalidInputError, match="time"):
        analyze(frame.iloc[::-1])
    with pytest.raises(InvalidInputError):
        analyze(42)


def test_missing_file_is_unreadable(tmp_path) -> None:
    with pytest.raises(UnreadableFileError):
        analyze(tmp_path / "absent.csv")


def test_too_short_for_a_window() -> None:
    t = np.arange(0, 2, 0.01)
    rep = analyze(Recording(t, None, np.zeros((t.size, 3))))
    assert rep.tremor["fraction_of_time"] is None
    assert not rep.tremor["present"]
    assert rep.notes


def _paradigma_predictions() -> tuple[np.ndarray, np.ndarray]:
    d = require(PPP_PREDICTIONS)
    times = np.fromfile(d / "tremor_time.bin", dtype="<f8")
    values = np.fromfile(d / "tremor_values.bin", dtype="<f8").reshape(times.size, 4)
    return times, values


def test_ppp_real_recording_plausible_and_close_to_paradigma() -> None:
    rep = analyze(require(PPP_CSV))
    rec = rep.recording
    assert rec["fs_hz"] == pytest.approx(100.0, abs=0.01)
    assert rec["duration_s"] == pytest.approx(730.8, abs=0.1)
    assert rec["n_gaps"] == 0
    tr = rep.tremor
    assert tr["present"]
    assert 3.0 <= tr["peak_frequency_hz"] <= 7.0
    assert 0.5 < tr["amplitude"]["value"] < 50
    assert 0.0 < tr["fraction_of_time"] < 0.5
    # window-by-window against paradigma's own stage-4 output (same 4-s grid)
    times, values = _paradigma_predictions()
    assert np.allclose(rep.windows.start_s, times)
    theirs = values[:, 2].astype(bool)
    ours = rep.windows.tremor
    assert ours[theirs].mean() >= 0.7  # paradigma tremor windows we also call tremor
    assert (~ours[~theirs]).mean() >= 0.85


def test_cloudupdrs_2458_rest_tremor_right_hand_detected() -> None:
    right = analyze(cloudupdrs_task("REST_TREMOR_AMPLITUDE_-_RIGHT_HAND"))
    assert right.tremor["present"]  # clinician: rest tremor right hand 2
    assert right.tremor["fraction_of_time"] >= 0.5
    assert right.tremor["amplitude"]["unit"] == "m/s^2"
    for leg in ("REST_TREMOR_AMPLITUDE_-_LEFT_LEG", "REST_TREMOR_AMPLITUDE_-_RIGHT_LEG"):
        assert not analyze(cloudupdrs_task(leg)).tremor["present"]  # rated 0


def test_compare_tasks_and_walking_pair() -> None:
    fwd = tremor_episodes(duration_s=60, episodes=[Episode(0, 60, 6.0, 15, 0.8)], seed=1)
    bwd = tremor_episodes(duration_s=60, episodes=[], seed=2)
    rest = tremor_episodes(duration_s=60, episodes=[Episode(0, 30, 5.0, 5)], seed=3)
    res = compare({"rest": rest, "walking_forward": fwd, "walking_backward": bwd})
    d = res.to_dict()
    assert d["reference"] == "rest"
    assert set(d["tasks"]) == {"rest", "walking_forward", "walking_backward"}
    pair = d["pairs"]["walking_forward - walking_backward"]
    assert pair["fraction_of_time"] == pytest.approx(1.0)
    assert pair["amplitude"] is None  # no tremor walking backward
    rest_fraction = d["tasks"]["rest"]["tremor"]["fraction_of_time"]
    assert rest_fraction == pytest.approx(0.5, abs=0.07)
    assert d["differences"]["walking_forward"]["fraction_of_time"] == pytest.approx(
        1.0 - rest_fraction, abs=1e-5
    )
    json.dumps(d, allow_nan=False)
    with pytest.raises(InvalidInputError, match="reference"):
        compare({"a": rest}, reference="b")
    with pytest.raises(InvalidInputError):
        compare({})
