"""Fuzzing: damaged or random files give a Recording or an UnreadableFileError, nothing else.

Whatever is returned must still honour the contract: strictly increasing finite time, finite
values, matching shapes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io import iter_recording, read_recording
from dystonia.motion.recording import Recording

DATA = Path(__file__).parents[2].parent / "shared" / "data" / "device-files"
CWA = (DATA / "ggirread_ax6_testfile.cwa").read_bytes()
CWA_PACKED = (DATA / "skdh_ax3_sample.cwa").read_bytes()[: 1024 + 60 * 512]
BIN = (DATA / "skdh_gnactv_sample.bin").read_bytes()
_FRAME = pd.DataFrame(
    {
        "time": np.arange(200) / 50.0,
        "acc_x": np.sin(np.arange(200)),
        "acc_y": 0.0,
        "acc_z": 1.0,
        "gyro_x": 1.5,
        "gyro_y": -2.0,
        "gyro_z": 0.25,
    }
)
CSV = _FRAME.to_csv(index=False).encode()

FUZZ = settings(
    max_examples=int(os.environ.get("DYSTONIA_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _parquet_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.parquet"
        _FRAME.to_parquet(path, row_group_size=64)
        return path.read_bytes()


PARQUET = _parquet_bytes()


def _check(rec: Recording) -> None:
    assert rec.time_s.ndim == 1 and rec.time_s.dtype == np.float64
    assert np.all(np.isfinite(rec.time_s))
    assert np.all(np.diff(rec.time_s) > 0)
    assert rec.acc_g is not None or rec.gyro_dps is not None
    for values in (rec.acc_g, rec.gyro_dps):
        if values is not None:
            assert values.shape == (rec.n_samples, 3)
            assert np.all(np.isfinite(values))


def _read_both_ways(data: bytes, name: str, format: str = "auto") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            _check(read_recording(path, format=format))
        except UnreadableFileError as exc:
            assert "\n" not in str(exc)
        try:
            chunks = list(iter_recording(path, format=format, chunk_s=1.0))
        except UnreadableFileError:
            return
        for chunk in chunks:
            _check(chunk)
        if len(chunks) > 1:
            starts = [c.time_s[0] for c in chunks]
            assert starts == sorted(starts)


def _mutate(data: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    out = bytearray(data[: max(0, min(cut, len(data)))])
    for position, value in flips:
        if out:
            out[position % len(out)] = value
    return bytes(out)


_flips = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=8)


@FUZZ
@given(
    data=st.binary(max_size=3000),
    name=st.sampled_from(["x.cwa", "x.bin", "x.csv", "x.parquet", "x"]),
)
def test_random_bytes(data: bytes, name: str) -> None:
    _read_both_ways(data, name)


@FUZZ
@given(
    data=st.binary(min_size=1, max_size=3000),
    fmt=st.sampled_from(["cwa", "bin", "csv", "parquet", "cloudupdrs"]),
)
def test_random_bytes_forced_format(data: bytes, fmt: str) -> None:
    _read_both_ways(data, "x.dat", fmt)


@FUZZ
@given(cut=st.integers(0, len(CWA)), flips=_flips)
def test_damaged_cwa_unpacked(cut: int, flips: list[tuple[int, int]]) -> None:
    _read_both_ways(_mutate(CWA, cut, flips), "x.cwa")


@FUZZ
@given(cut=st.integers(0, len(CWA_PACKED)), flips=_flips)
def test_damaged_cwa_packed(cut: int, flips: list[tuple[int, int]]) -> None:
    _read_both_ways(_mutate(CWA_PACKED, cut, flips), "x.cwa")


@FUZZ
@given(cut=st.integers(0, len(BIN)), flips=_flips)
def test_damaged_bin(cut: int, flips: list[tuple[int, int]]) -> None:
    _read_both_ways(_mutate(BIN, cut, flips), "x.bin")


@FUZZ
@given(
    cut=st.integers(0, len(CSV)),
    flips=st.lists(
        st.tuples(st.integers(0, 1 << 20), st.sampled_from(b"0123456789.,-eE\nnaNx ")), max_size=6
    ),
)
def test_damaged_csv(cut: int, flips: list[tuple[int, int]]) -> None:
    _read_both_ways(_mutate(CSV, cut, flips), "x.csv")


@FUZZ
@given(cut=st.integers(0, len(PARQUET)), flips=_flips)
def test_damaged_parquet(cut: int, flips: list[tuple[int, int]]) -> None:
    _read_both_ways(_mutate(PARQUET, cut, flips), "x.parquet")
