"""Fuzz the pen readers of ``dystonia.ink``: UCI tablet text, SVC, InkML, contract CSV and
pointer-event JSON (files through ``read_ink``, posted documents through ``read_pointer_json``).

Seeds: a real UCI spiral file (``uci-spiral/control``, read in place and trimmed), and an SVC,
an InkML, a contract CSV and a pointer-JSON document made from a synthetic spiral. Mutations:
byte writes and truncation of every seed read with format detection and with every forced
format; structured edits of the pointer JSON (values replaced, keys removed or added);
hostile XML (DOCTYPE and entities, deep nesting, many traces); sizes at the readers' limits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dystonia.exceptions import InvalidInputError, UnreadableFileError
from dystonia.ink import InkRecording, read_ink, read_pointer_json, to_pointer_json
from dystonia.ink.io import FORMATS
from dystonia.ink.io.limits import MAX_FILE_BYTES, MAX_SAMPLES
from dystonia.ink.synthetic import synthetic_spiral

from ._common import (
    MEMORY_BOUND_BYTES,
    clear,
    fuzz_settings,
    json_values,
    mib,
    mutated,
    traced_peak,
)
from ._motion import shared_file

UCI = b"".join(shared_file("uci-spiral", "control", "C_0001.txt").read_bytes().splitlines(keepends=True)[:300])  # fmt: skip
SPIRAL = synthetic_spiral(duration_s=1.0, seed=1)
POINTER = to_pointer_json(SPIRAL, kind="spiral")
SVC = (
    f"{SPIRAL.n_samples}\n"
    + "".join(
        f"{round(x * 50)} {round(y * 50)} {round(t * 1000)} 1 900 450 {round(p * 1023)}\n"
        for x, y, t, p in zip(SPIRAL.x_mm, SPIRAL.y_mm, SPIRAL.time_s, SPIRAL.pressure, strict=True)  # type: ignore[arg-type]
    )
).encode()
INKML = (
    '<?xml version="1.0"?><ink xmlns="http://www.w3.org/2003/InkML"><definitions>'
    '<context xml:id="c"><traceFormat><channel name="X" type="decimal" units="mm"/>'
    '<channel name="Y" type="decimal" units="mm"/><channel name="T" type="decimal" units="ms"/>'
    '<channel name="F" type="decimal" max="1"/></traceFormat></context></definitions><trace>'
    + ", ".join(
        f"{x:.3f} {y:.3f} {t * 1000:.1f} {p:.3f}"
        for x, y, t, p in zip(SPIRAL.x_mm, SPIRAL.y_mm, SPIRAL.time_s, SPIRAL.pressure, strict=True)  # type: ignore[arg-type]
    )
    + "</trace></ink>"
).encode()
CSV = (
    "time,x,y,pressure,pen_down\n"
    + "".join(
        f"{t:.4f},{x:.3f},{y:.3f},{p:.3f},1\n"
        for x, y, t, p in zip(SPIRAL.x_mm, SPIRAL.y_mm, SPIRAL.time_s, SPIRAL.pressure, strict=True)  # type: ignore[arg-type]
    )
).encode()
SEEDS = {
    "uci.txt": UCI,
    "spiral.svc": SVC,
    "spiral.inkml": INKML,
    "spiral.csv": CSV,
    "spiral.json": json.dumps(POINTER).encode(),
}


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _read(path: Path, fmt: str = "auto") -> Any:
    """read_ink: a recording whose tasks hold samples, or a clear error."""
    result = clear(read_ink, path, format=fmt)
    if isinstance(result, InkRecording):
        assert result.tasks and all(task.n_samples >= 2 for task in result.tasks)
    return result


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seeds_read(tmp_path: Path, name: str) -> None:
    """Sanity: every seed reads (the mutations start from valid files)."""
    rec = read_ink(_write(tmp_path, name, SEEDS[name]))
    assert isinstance(rec, InkRecording)


@fuzz_settings(70)
@given(
    name=st.sampled_from(sorted(SEEDS)),
    cut=st.integers(1, 1 << 16),
    flips=st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), max_size=6),
    fmt=st.sampled_from(["auto", "auto", *FORMATS]),
    rename=st.sampled_from(["", ".txt", ".dat", ".xml", ".json", ".csv"]),
)
def test_byte_mutations(
    tmp_path: Path, name: str, cut: int, flips: list[tuple[int, int]], fmt: str, rename: str
) -> None:
    """Truncation and byte writes of every seed; detected or forced format; any extension."""
    raw = bytearray(SEEDS[name][: max(1, cut % (len(SEEDS[name]) + 1))])
    for position, value in flips:
        raw[position % len(raw)] = value
    target = Path(name).stem + (rename or Path(name).suffix)
    _read(_write(tmp_path, target, bytes(raw)), fmt)


@fuzz_settings(50)
@given(doc=mutated(st.just(POINTER), max_edits=3))
def test_pointer_json_edits(doc: dict[str, Any]) -> None:
    """Posted pointer documents with values replaced, keys removed or added."""
    result = clear(read_pointer_json, doc)
    if isinstance(result, InkRecording):
        assert result.tasks[0].n_samples >= 2
    text = json.dumps(doc)  # NaN and Infinity included: refused as not JSON
    clear(read_pointer_json, text)
    clear(read_pointer_json, text.encode())


def _outcome(data: Any) -> Any:
    """What read_pointer_json makes of ``data``: the arrays read, or the error's field."""
    result = clear(read_pointer_json, data)
    if isinstance(result, InkRecording):
        task = result.tasks[0]
        return [a.tolist() for a in (task.time_s, task.x_mm, task.y_mm, task.stroke)]
    assert isinstance(result, InvalidInputError), result
    return result.field, "longer than" in str(result)


@fuzz_settings(60)
@given(doc=mutated(st.just(POINTER), max_edits=3) | json_values(12))
def test_pointer_json_text_reads_as_the_parsed_document(doc: Any) -> None:
    """JSON text is read one sample at a time; it gives what the parsed document gives."""
    try:
        text = json.dumps(doc, allow_nan=False)
    except ValueError:  # NaN, Infinity: not JSON text
        return
    parsed, streamed = _outcome(doc), _outcome(text)
    if streamed != parsed and isinstance(streamed, tuple) and streamed[1]:
        return  # a sample or value too long for the text reader (MAX_SAMPLE_CHARS)
    assert streamed == parsed


@fuzz_settings(25)
@given(doc=json_values(16))
def test_pointer_json_arbitrary(doc: Any) -> None:
    clear(read_pointer_json, doc)
    clear(read_pointer_json, json.dumps(doc))


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?><!DOCTYPE ink [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><ink>&b;</ink>',
        '<!DOCTYPE ink SYSTEM "file:///etc/passwd"><ink/>',
        '<ink xmlns="http://www.w3.org/2003/InkML"><trace>1 2 3</trace></ink>',
        "<ink>" + "<traceGroup>" * 50_000 + "</traceGroup>" * 50_000 + "</ink>",
        "<ink><![CDATA[" + "x" * 100 + "]]></ink>",
        "<ink",
        "<?xml version='1.0' encoding='utf-16'?><ink/>",
        "<inkml:ink xmlns:inkml='http://www.w3.org/2003/InkML'/>",
    ],
    ids=[
        "entities",
        "external-dtd",
        "no-format",
        "deep",
        "cdata",
        "unclosed",
        "utf16-claim",
        "prefix",
    ],
)
def test_hostile_inkml(tmp_path: Path, text: str) -> None:
    """Entity expansion, external DTD, deep nesting, odd encodings: refused cleanly."""
    with traced_peak() as peak:
        result = _read(_write(tmp_path, "x.inkml", text.encode()))
    assert isinstance(result, UnreadableFileError)
    assert peak.bytes < MEMORY_BOUND_BYTES, mib(peak.bytes)


# --------------------------------------------------------------------------- defects
# Found by this fuzzing (OverflowError from float(), ValueError from json.loads); now clear
# errors (pointer._number, pointer._read_int).
@pytest.mark.parametrize("where", ["x", "mm_per_px", "text", "version", "task", "pointerType"])
def test_pointer_json_huge_integers(where: str) -> None:
    sample = {"x": 1, "y": 2, "t_ms": 0, "pressure": 0.5, "pointerType": "pen"}
    doc: dict[str, Any] = {"version": 1, "strokes": [[sample, {**sample, "t_ms": 1}]]}
    if where == "x":
        doc["strokes"][0][0]["x"] = 10**400
        error = clear(read_pointer_json, json.dumps(doc))
        assert isinstance(error, InvalidInputError) and error.field == "strokes[0][0].x"
    elif where == "mm_per_px":
        doc["mm_per_px"] = 10**400
        error = clear(read_pointer_json, doc)
        assert isinstance(error, InvalidInputError) and error.field == "mm_per_px"
    elif where == "text":
        error = clear(read_pointer_json, '{"version": 1, "strokes": [[{"x": ' + "9" * 5000 + "}]]}")
    elif where == "pointerType":
        doc["strokes"][0][0]["pointerType"] = 10**5000
        error = clear(read_pointer_json, doc)
    else:  # already-parsed documents may hold integers json.dumps cannot write
        doc[where] = 10**5000
        error = clear(read_pointer_json, doc)
    assert isinstance(error, InvalidInputError), error
    assert len(str(error)) < 300


def _peak_at_limit(tmp_path: Path, name: str, data: bytes, units: int, limit: int) -> float:
    """Peak memory of reading ``data`` scaled to the reader's limit (``units`` of ``limit``)."""
    path = _write(tmp_path, name, data)
    with traced_peak() as peak:
        clear(read_ink, path)
    return peak.bytes * limit / units


# Found by this fuzzing: the largest accepted UCI file (2,000,000 samples, 50 MiB) peaked at
# 645 MiB, pointer JSON amplified about 25x (64 MiB: about 2 GB). Now 240,000 samples, 16 MiB,
# and pointer JSON's objects and arrays are counted before parsing (ink.io.limits).
@pytest.mark.parametrize("kind", ["uci", "pointer-json"])
def test_largest_accepted_file_fits_the_memory_bound(tmp_path: Path, kind: str) -> None:
    if kind == "uci":
        rows = 100_000
        data = "".join(f"{i % 500};{i % 400};0;{i % 1000};900;{1000 + i};0\n" for i in range(rows))
        at_limit = _peak_at_limit(tmp_path, "big.txt", data.encode(), rows, MAX_SAMPLES)
    else:
        n = (2 << 20) // 3
        data_bytes = b'{"version": 1, "meta": {"a": [' + b"{}," * n + b"0]}}"
        at_limit = _peak_at_limit(tmp_path, "big.json", data_bytes, len(data_bytes), MAX_FILE_BYTES)  # fmt: skip
    assert at_limit < MEMORY_BOUND_BYTES, f"about {mib(int(at_limit))} at the limit"


def _at_limit(shape: str) -> tuple[str, bytes]:
    """A file of ``shape`` as large as the readers accept (16 MiB, 240,000 samples)."""
    pad = b"0" * (MAX_FILE_BYTES // MAX_SAMPLES - 30)  # long lines: the file at its limit
    if shape == "uci":
        line = b"%s%d;%d;0;%d;900;%d;0\n"
        rows = (line % (pad, i % 500, i % 400, i % 1000, 1000 + i) for i in range(MAX_SAMPLES))
        return "big.txt", b"".join(rows)[:MAX_FILE_BYTES]
    if shape == "svc":
        line = b"%s%d %d %d 1 900 450 500\n"
        rows = (line % (pad, i % 500, i % 400, 1000 + i) for i in range(MAX_SAMPLES - 1))
        return "big.svc", (b"%d\n" % (MAX_SAMPLES - 1) + b"".join(rows))[:MAX_FILE_BYTES]
    if shape == "csv":
        rows = (b"%s%d,%d,%d,0.5,1\n" % (pad, i, i % 500, i % 400) for i in range(MAX_SAMPLES))
        return "big.csv", (b"time,x,y,pressure,pen_down\n" + b"".join(rows))[:MAX_FILE_BYTES]
    if shape == "inkml-one-trace":
        head = b'<ink xmlns="http://www.w3.org/2003/InkML"><traceFormat><channel name="X" units="mm"/><channel name="Y" units="mm"/><channel name="T" units="ms"/></traceFormat><trace>'  # fmt: skip
        return "big.inkml", head + b"1 2 3," * (
            (MAX_FILE_BYTES - 200) // 6
        ) + b"4 5 6</trace></ink>"
    head, tail = b'{"version": 1, "strokes": [[', b"]]}"
    room = MAX_FILE_BYTES - 100
    if shape == "json-samples":
        sample = b'{"x":%d.5,"y":2.5,"t_ms":%d,"pressure":0.5,"pointerType":"pen"},'
        body = b"".join(sample % (i % 1000, i) for i in range(MAX_SAMPLES - 1))
        last = b'{"x":1,"y":1,"t_ms":1e12,"pressure":0.5,"pointerType":"pen"}'
        return "big.json", head + body + last + tail
    if shape == "json-strings":
        return "big.json", head + b'"ab",' * (room // 5) + b"0" + tail
    if shape == "json-keys":
        keys = b",".join(b'"%x":0' % i for i in range(room // 9))[:room]
        return "big.json", head + keys[: keys.rfind(b",")].join([b"{", b"}"]) + tail
    if shape == "json-astral-meta":
        meta = '{"version": 1, "meta": {"a": ["\U0001f600", ' + '"ab", ' * (room // 6) + "0]}}"
        return "big.json", meta.encode()
    assert shape == "json-deep"
    return "big.json", head + b"[" * (room // 2) + b"]" * (room // 2) + tail


@pytest.mark.parametrize(
    "shape",
    [
        "uci",
        "svc",
        "csv",
        "inkml-one-trace",
        "json-samples",
        "json-strings",
        "json-keys",
        "json-astral-meta",
        "json-deep",
    ],
)
def test_largest_accepted_file_in_expensive_shapes_fits_the_memory_bound(
    tmp_path: Path, shape: str
) -> None:
    """Measured at the limits themselves, in the shapes that cost most per byte: the longest
    lines, the most samples, and JSON made of small strings, distinct keys, text that Python
    holds at 4 bytes a character, deep nesting."""
    name, data = _at_limit(shape)
    assert len(data) <= MAX_FILE_BYTES
    path = _write(tmp_path, name, data)
    del data
    with traced_peak() as peak:
        result = _read(path)
    assert peak.bytes < MEMORY_BOUND_BYTES, mib(peak.bytes)
    if shape in ("uci", "svc", "csv", "json-samples"):
        assert isinstance(result, InkRecording), result


def test_posted_document_errors_are_input_errors() -> None:
    """Sanity of the oracle: a posted document's problem is an InvalidInputError."""
    with pytest.raises(InvalidInputError):
        read_pointer_json({"version": 2, "strokes": []})
