"""Contract CSV and Parquet readers: values, streaming, and one precise error per defect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.fuzz.test_motion_parquet import _varint  # type: ignore[import-not-found]

from dystonia.exceptions import InvalidInputError, UnreadableFileError
from dystonia.motion.io import detect_format, iter_recording, read_recording
from dystonia.motion.io.table import open_contract_csv, open_parquet

FS_HZ = 100.0


def _frame(
    n: int = 1000, *, acc: bool = True, gyro: bool = True, t0_s: float = 0.0
) -> pd.DataFrame:
    time_s = t0_s + np.arange(n) / FS_HZ
    cols: dict[str, np.ndarray] = {"time": time_s}
    rng = np.random.default_rng(0)
    if acc:
        cols |= {f"acc_{a}": rng.normal(size=n) for a in "xyz"}
    if gyro:
        cols |= {f"gyro_{a}": rng.normal(scale=50, size=n) for a in "xyz"}
    return pd.DataFrame(cols)


def _write_text(tmp_path: Path, text: str, name: str = "rec.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


@pytest.fixture
def frame() -> pd.DataFrame:
    return _frame()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip_values_exact(tmp_path: Path, frame: pd.DataFrame, suffix: str) -> None:
    path = tmp_path / f"rec{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False, float_format="%.17g")
    else:
        frame.to_parquet(path, row_group_size=300)
    rec = read_recording(path)
    assert rec.format == suffix[1:]
    assert rec.source == path.name
    np.testing.assert_array_equal(rec.time_s, frame["time"].to_numpy())
    assert rec.acc_g is not None and rec.gyro_dps is not None
    np.testing.assert_array_equal(rec.acc_g, frame[["acc_x", "acc_y", "acc_z"]].to_numpy())
    np.testing.assert_array_equal(rec.gyro_dps, frame[["gyro_x", "gyro_y", "gyro_z"]].to_numpy())
    assert rec.metadata["skipped_blocks"] == [] and rec.metadata["gaps"] == []


@pytest.mark.parametrize(("acc", "gyro"), [(True, False), (False, True)])
def test_one_triplet_is_enough(tmp_path: Path, acc: bool, gyro: bool) -> None:
    path = tmp_path / "rec.csv"
    _frame(50, acc=acc, gyro=gyro).to_csv(path, index=False)
    rec = read_recording(path)
    assert (rec.acc_g is not None) == acc
    assert (rec.gyro_dps is not None) == gyro


def test_extra_columns_are_ignored_and_listed(tmp_path: Path, frame: pd.DataFrame) -> None:
    frame = frame.assign(temperature=21.0, label="rest")
    for path in (tmp_path / "x.csv", tmp_path / "x.parquet"):
        if path.suffix == ".csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path)
        rec = read_recording(path)
        assert rec.metadata["ignored_columns"] == ["temperature", "label"]
        assert rec.n_samples == len(frame)


def test_csv_tolerates_crlf_bom_quotes_and_trailing_blank_lines(tmp_path: Path) -> None:
    text = '\ufefftime,acc_x,acc_y,acc_z\r\n0,"1",0,0\r\n0.01, 2 ,0,0\r\n\r\n\r\n'
    rec = read_recording(_write_text(tmp_path, text))
    assert rec.acc_g is not None
    np.testing.assert_array_equal(rec.acc_g[:, 0], [1.0, 2.0])


def test_csv_without_final_newline(tmp_path: Path) -> None:
    rec = read_recording(_write_text(tmp_path, "time,acc_x,acc_y,acc_z\n0,1,0,0\n1,1,0,0"))
    assert rec.n_samples == 2


CSV_ERRORS = [
    pytest.param("", "empty file", id="empty"),
    pytest.param("   \n\n", "empty file", id="whitespace-only"),
    pytest.param("time,acc_x,acc_y,acc_z\n", "no data rows after the header", id="header-only"),
    pytest.param("t,acc_x,acc_y,acc_z\n0,1,1,1\n", "missing column 'time'", id="no-time"),
    pytest.param("Time,acc_x,acc_y,acc_z\n0,1,1,1\n", "found 'Time'", id="case"),
    pytest.param(
        "time,acc_x,acc_y\n0,1,1\n",
        "incomplete accelerometer triplet: has acc_x, acc_y but missing column 'acc_z'",
        id="partial-acc",
    ),
    pytest.param(
        "time,acc_x,acc_y,acc_z,gyro_x\n0,1,1,1,1\n",
        "incomplete gyroscope triplet",
        id="partial-gyro",
    ),
    pytest.param("time,temp\n0,1\n", "no sensor columns", id="no-triplet"),
    pytest.param("time,acc_x,acc_y,acc_z,acc_x\n0,1,1,1,1\n", "'acc_x' appears more", id="dup"),
    pytest.param(
        "time;acc_x;acc_y;acc_z\n0;1;1;1\n", "separates columns with semicolons", id="semicolon"
    ),
    pytest.param("0,1,1,1\n1,1,1,1\n", "line 1 is data", id="no-header"),
    pytest.param(
        "time,acc_x,acc_y,acc_z\n0,1,1,1\n0.01,abc,1,1\n",
        "line 3, column 'acc_x': 'abc' is not a number",
        id="non-numeric",
    ),
    pytest.param(
        "time,acc_x,acc_y,acc_z\n0,1,1,1\nNaN,1,1,1\n",
        "line 3, column 'time': 'NaN' is not a number",
        id="nan-time",
    ),
    pytest.param(
        "time,acc_x,acc_y,acc_z\n0,1,1,1\n0.01,1,,1\n",
        "line 3, column 'acc_y': empty value",
        id="empty-value",
    ),
    pytest.param(
        "time,acc_x,acc_y,acc_z\n0,1,1,1\n0.01,1,1,inf\n",
        "line 3, column 'acc_z': inf is not finite",
        id="inf",
    ),
    pytest.param(
        "time,acc_x,acc_y,acc_z\n0,1,1,1\n\n0.02,1,1,1\n", "line 3 is empty", id="blank-line"
    ),
    pytest.param(
        "time,acc_x,acc_y,acc_z\n0,1,1,1\n0.01,1,1\n",
        "line 3 has 3 fields, expected 4",
        id="short-row",
    ),
    pytest.param(
        "time,acc_x,acc_y,acc_z\n0,1,1,1\n0.02,1,1,1\n0.01,1,1,1\n",
        "line 4: time 0.01 s goes back from the previous time 0.02 s",
        id="non-monotonic",
    ),
    pytest.param(
        "time,acc_x,acc_y,acc_z\n0,1,1,1\n0.01,1,1,1\n0.01,1,1,1\n",
        "line 4: time 0.01 s repeats the previous time 0.01 s",
        id="duplicate-time",
    ),
]


@pytest.mark.parametrize(("text", "reason"), CSV_ERRORS)
def test_csv_errors_name_the_problem(tmp_path: Path, text: str, reason: str) -> None:
    path = _write_text(tmp_path, text)
    with pytest.raises(UnreadableFileError) as info:
        read_recording(path, format="csv")
    assert reason in info.value.reason
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_csv_errors_across_blocks_keep_exact_line_numbers(tmp_path: Path) -> None:
    lines = ["time,acc_x,acc_y,acc_z"] + [f"{i / 100:.2f},0,0,1" for i in range(500)]
    lines[401] = "3.99,0,0,1"  # line 402 repeats the time of line 401
    path = _write_text(tmp_path, "\n".join(lines) + "\n")
    src = open_contract_csv(path, block_bytes=512)
    with pytest.raises(UnreadableFileError, match=r"line 402: time 3\.99 s repeats"):
        list(src.batches)
    lines[401] = "4.00,0,x,1"
    path = _write_text(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(UnreadableFileError, match=r"line 402, column 'acc_y': 'x' is not a number"):
        list(open_contract_csv(path, block_bytes=512).batches)


def test_small_blocks_give_the_same_result(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "rec.csv"
    frame.to_csv(path, index=False, float_format="%.17g")
    whole = read_recording(path)
    src = open_contract_csv(path, block_bytes=1000)
    time_s = np.concatenate([b.time_s for b in src.batches])
    np.testing.assert_array_equal(time_s, whole.time_s)


def _parquet(tmp_path: Path, table: pa.Table, **kwargs: object) -> Path:
    path = tmp_path / "rec.parquet"
    pq.write_table(table, path, **kwargs)
    return path


def test_parquet_errors(tmp_path: Path, frame: pd.DataFrame) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    acc_x = table.column("acc_x").to_pylist()
    acc_x[700] = None
    bad = table.set_column(1, "acc_x", pa.array(acc_x, pa.float64()))
    with pytest.raises(UnreadableFileError, match=r"row 701, column 'acc_x': missing value"):
        read_recording(_parquet(tmp_path, bad, row_group_size=256))

    time_s = frame["time"].to_numpy().copy()
    time_s[600] = time_s[599]
    bad = table.set_column(0, "time", pa.array(time_s))
    with pytest.raises(UnreadableFileError, match=r"row 601: time .* repeats"):
        read_recording(_parquet(tmp_path, bad, row_group_size=256))

    bad = table.set_column(2, "acc_y", pa.array(["1"] * len(frame)))
    with pytest.raises(UnreadableFileError, match=r"column 'acc_y' has type string"):
        read_recording(_parquet(tmp_path, bad))

    with pytest.raises(UnreadableFileError, match="no data rows"):
        read_recording(_parquet(tmp_path, table.slice(0, 0)))

    with pytest.raises(UnreadableFileError, match="incomplete gyroscope triplet"):
        read_recording(_parquet(tmp_path, table.drop_columns(["gyro_y"])))


def test_parquet_nan_time_and_small_batches(tmp_path: Path, frame: pd.DataFrame) -> None:
    frame.loc[10, "time"] = np.nan
    path = tmp_path / "rec.parquet"
    frame.to_parquet(path)  # pandas stores NaN as null
    with pytest.raises(UnreadableFileError, match=r"row 11, column 'time': missing value"):
        read_recording(path)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    nan_time = pa.array(frame["time"].to_numpy(), pa.float64(), from_pandas=False)
    pq.write_table(table.set_column(0, "time", nan_time), path)  # a real IEEE NaN
    with pytest.raises(UnreadableFileError, match=r"row 11, column 'time': nan is not finite"):
        read_recording(path)
    good = _frame()
    good.to_parquet(path, row_group_size=333)
    src = open_parquet(path, batch_rows=100)
    sizes = [b.n_samples for b in src.batches]
    assert sum(sizes) == len(good) and max(sizes) <= 100


def test_truncated_parquet_is_unreadable(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "rec.parquet"
    frame.to_parquet(path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 3, 10):
        path.write_bytes(data[:cut])
        with pytest.raises(UnreadableFileError):
            read_recording(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_iter_recording_chunks_tile_the_recording(tmp_path: Path, suffix: str) -> None:
    frame = _frame(2000, t0_s=1.7e9)
    path = tmp_path / f"rec{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False, float_format="%.17g")
    else:
        frame.to_parquet(path, row_group_size=170)
    whole = read_recording(path)
    chunks = list(iter_recording(path, chunk_s=3.0))
    assert [c.metadata["chunk_index"] for c in chunks] == list(range(7))
    np.testing.assert_array_equal(np.concatenate([c.time_s for c in chunks]), whole.time_s)
    for c in chunks:
        start = c.metadata["chunk_start_s"]
        assert start <= c.time_s[0] and c.time_s[-1] < start + 3.0
        assert c.acc_g is not None and c.acc_g.shape == (c.n_samples, 3)


def test_iter_recording_skips_empty_windows(tmp_path: Path) -> None:
    time_s = np.r_[np.arange(100) / 100, 50 + np.arange(100) / 100]
    frame = pd.DataFrame({"time": time_s, "acc_x": 0.0, "acc_y": 0.0, "acc_z": 1.0})
    path = tmp_path / "gap.csv"
    frame.to_csv(path, index=False)
    chunks = list(iter_recording(path, chunk_s=10.0))
    assert [c.metadata["chunk_index"] for c in chunks] == [0, 5]
    assert [c.n_samples for c in chunks] == [100, 100]


def test_iter_recording_reports_header_errors_at_call_time(tmp_path: Path) -> None:
    path = _write_text(tmp_path, "time,acc_x\n0,1\n")
    with pytest.raises(UnreadableFileError, match="incomplete accelerometer"):
        iter_recording(path)


@pytest.mark.parametrize("chunk_s", [0, -1.0, float("nan"), float("inf"), "60", True])
def test_iter_recording_rejects_bad_chunk_length(tmp_path: Path, chunk_s: object) -> None:
    path = tmp_path / "rec.csv"
    _frame(10).to_csv(path, index=False)
    with pytest.raises(InvalidInputError, match="chunk_s"):
        iter_recording(path, chunk_s=chunk_s)  # type: ignore[arg-type]


def test_bad_format_name_is_invalid_input(tmp_path: Path) -> None:
    path = tmp_path / "rec.csv"
    _frame(10).to_csv(path, index=False)
    with pytest.raises(InvalidInputError, match="did you mean 'csv'"):
        read_recording(path, format="cvs")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="no such file"):
        read_recording(tmp_path / "absent.csv")
    with pytest.raises(UnreadableFileError, match="no such file"):
        read_recording(tmp_path / "absent.csv", format="csv")
    with pytest.raises(UnreadableFileError, match="not a regular file"):
        read_recording(tmp_path)


def test_detect_format_tables(tmp_path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(tmp_path / "a.csv", index=False)
    frame.to_parquet(tmp_path / "a.parquet")
    frame.to_parquet(tmp_path / "a.dat")
    assert detect_format(tmp_path / "a.csv") == "csv"
    assert detect_format(tmp_path / "a.parquet") == "parquet"
    assert detect_format(tmp_path / "a.dat") == "parquet"
    (tmp_path / "b.parquet").write_bytes((tmp_path / "a.csv").read_bytes())
    with pytest.raises(UnreadableFileError, match=r"extension '\.parquet' says a Parquet file"):
        detect_format(tmp_path / "b.parquet")
    (tmp_path / "c.csv").write_bytes((tmp_path / "a.parquet").read_bytes())
    with pytest.raises(UnreadableFileError, match="it looks like a Parquet file"):
        read_recording(tmp_path / "c.csv")


# ------------------------------------------------------------------ hostile sizes (issue #8)
@pytest.mark.parametrize("block_bytes", [64, 4096, 16 * 1024 * 1024])
@pytest.mark.parametrize(
    ("tail", "reason"),
    [
        pytest.param("\n" * 300 + "0.02,1,1,1\n", "line 4 is empty", id="blank-run"),
        pytest.param("\r\n \n\t\n" * 100, None, id="trailing-blank-run"),
        pytest.param("0.02," + "1" * 2000 + ",1,1\n", "line 4 is longer than 1,000", id="long"),
    ],
)
def test_csv_blank_runs_and_long_lines_whatever_the_block_size(
    tmp_path: Path, block_bytes: int, tail: str, reason: str | None
) -> None:
    path = _write_text(tmp_path, "time,acc_x,acc_y,acc_z\n0,1,1,1\n0.01,1,1,1\n" + tail)
    src = open_contract_csv(path, block_bytes=block_bytes, max_line_bytes=1000)
    if reason is None:
        assert sum(b.n_samples for b in src.batches) == 2
    else:
        with pytest.raises(UnreadableFileError, match=reason):
            list(src.batches)


def test_csv_line_limit_is_a_mebibyte(tmp_path: Path) -> None:
    from dystonia.motion.io.text_blocks import MAX_LINE_BYTES

    assert MAX_LINE_BYTES == 1024 * 1024
    path = tmp_path / "long.csv"
    path.write_bytes(b"time,acc_x,acc_y,acc_z\n0,1,1,1\n0.01,1,1," + b"1" * MAX_LINE_BYTES + b"\n")
    with pytest.raises(UnreadableFileError, match=r"line 3 is longer than 1,048,576 bytes"):
        read_recording(path)


def test_huge_time_values_do_not_warn(tmp_path: Path) -> None:
    """Time from -1e308 to 1e308: checked by comparison (a difference would overflow)."""
    path = _write_text(tmp_path, "time,acc_x,acc_y,acc_z\n-1e308,0,0,1\n1e308,0,0,1\n")
    with np.errstate(all="raise"):
        rec = read_recording(path)
        chunks = list(iter_recording(path, chunk_s=1.0))
    assert rec.n_samples == 2 and [c.n_samples for c in chunks] == [1, 1]


def _patch_counts(data: bytes, actual: int, claimed: int, which: slice = slice(None)) -> bytes:
    """Set Thrift compact i64 fields (``0x16`` + zigzag varint) equal to ``actual`` to
    ``claimed``: occurrences ``which`` of, in order, the file's row count, each column chunk's
    value count, then the row group's row count."""
    size = int.from_bytes(data[-8:-4], "little")
    footer = data[-8 - size : -8]

    def field(value: int) -> bytes:
        return b"\x16" + _varint((value << 1) ^ (value >> 63))

    parts = footer.split(field(actual))
    assert len(parts) > 2
    chosen = set(range(len(parts) - 1)[which])
    patched = parts[0]
    for k, part in enumerate(parts[1:]):
        patched += (field(claimed) if k in chosen else field(actual)) + part
    return data[: -8 - size] + patched + len(patched).to_bytes(4, "little") + b"PAR1"


def _small_parquet(tmp_path: Path) -> bytes:
    table = pa.Table.from_pandas(_frame(300, gyro=False), preserve_index=False)
    path = _parquet(tmp_path, table, compression="none", write_statistics=False)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("claimed", "reason"),
    [
        (-1, "damaged footer: it claims -1 rows"),
        (10**9, "damaged footer: it claims 1,000,000,000 rows but its row groups hold 300"),
        (2**62, "damaged footer: it claims 4,611,686,018,427,387,904 rows"),
        (299, "it claims 299 rows but its row groups hold 300"),
    ],
)
def test_parquet_footer_row_count_is_checked(tmp_path: Path, claimed: int, reason: str) -> None:
    path = tmp_path / "lie.parquet"
    path.write_bytes(_patch_counts(_small_parquet(tmp_path), 300, claimed, slice(0, 1)))
    with pytest.raises(UnreadableFileError, match=reason):
        open_parquet(path)


def test_parquet_consistent_lie_is_bounded_by_file_size(tmp_path: Path) -> None:
    """File, row group and column chunk counts all claim 10**9: the preallocation follows the
    file size, and the rows decoded are compared with the claim."""
    path = tmp_path / "lie.parquet"
    path.write_bytes(_patch_counts(_small_parquet(tmp_path), 300, 10**9))
    src = open_parquet(path)
    assert src.max_samples is None
    assert src.expected_samples == path.stat().st_size < 10**9
    with pytest.raises(UnreadableFileError, match="decoded 300 rows of the 1,000,000,000 rows"):
        read_recording(path)


@pytest.mark.parametrize("claimed", [0, 100, 10**9])
def test_parquet_column_chunk_value_count_is_checked(tmp_path: Path, claimed: int) -> None:
    """One column chunk's value count damaged, the row counts intact: all rows read, or a clear
    error; never fewer rows silently (a count of 0 once gave a recording of 0 samples)."""
    path = tmp_path / "chunk.parquet"
    path.write_bytes(_patch_counts(_small_parquet(tmp_path), 300, claimed, slice(1, 2)))
    meta = pq.ParquetFile(path).metadata
    assert (meta.num_rows, meta.row_group(0).column(0).num_values) == (300, claimed)
    try:
        rec = read_recording(path)
    except UnreadableFileError as exc:
        assert "column chunk unreadable: decoded no samples of the 300 rows" in str(exc)
        assert claimed == 0
        with pytest.raises(UnreadableFileError, match="column chunk unreadable"):
            list(iter_recording(path, chunk_s=None))
    else:
        assert rec.n_samples == 300


def test_parquet_rows_beyond_the_expected_count_are_joined(tmp_path: Path) -> None:
    """A file compressed below one byte per row is still read whole (rows joined)."""
    n = 200_000
    table = pa.table(
        {"time": np.arange(n, dtype=np.int64)} | {f"acc_{a}": np.zeros(n) for a in "xyz"}
    )
    path = _parquet(
        tmp_path,
        table,
        column_encoding={"time": "DELTA_BINARY_PACKED"},
        use_dictionary=["acc_x", "acc_y", "acc_z"],
        compression="zstd",
    )
    assert path.stat().st_size < n
    src = open_parquet(path)
    assert src.expected_samples == path.stat().st_size
    rec = read_recording(path)
    np.testing.assert_array_equal(rec.time_s, np.arange(n, dtype=np.float64))
