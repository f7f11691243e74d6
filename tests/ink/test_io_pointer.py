"""Pointer-event JSON from a web drawing page: schema, round trip, precise 422-style errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dystonia.exceptions import InvalidInputError, UnreadableFileError
from dystonia.ink import analyze, read_ink, read_pointer_json, to_pointer_json
from dystonia.ink.io import pointer
from dystonia.ink.io.pointer import CSS_MM_PER_PX
from dystonia.ink.synthetic import synthetic_spiral


def _sample(x: float, y: float, t: float, **kw: Any) -> dict[str, Any]:
    return {"x": x, "y": y, "t_ms": t, "pressure": 0.4, "pointerType": "pen"} | kw


def _doc(**kw: Any) -> dict[str, Any]:
    strokes = [
        [_sample(10 + i, 20 + i, 1000 + 8 * i) for i in range(10)],
        [_sample(40 + i, 20, 1200 + 8 * i, tiltX=10, azimuthAngle=1.2) for i in range(5)],
    ]
    return {"version": 1, "strokes": strokes} | kw


def test_pointer_json_in_mm_with_y_up_and_strokes() -> None:
    rec = read_pointer_json(_doc(task="writing", mm_per_px=0.2, meta={"userAgent": "test"}))
    task = rec.tasks[0]
    assert rec.format == "pointer-json"
    assert task.kind == "writing"
    assert task.n_samples == 15 and task.n_strokes == 2
    assert task.x_mm[0] == pytest.approx(2.0)
    assert task.y_mm[1] - task.y_mm[0] == pytest.approx(-0.2)  # CSS y grows downwards
    assert task.time_s[10] == pytest.approx(0.2)
    assert task.pressure is not None and task.pressure[0] == pytest.approx(0.4)
    assert rec.metadata["meta"] == {"userAgent": "test"}


def test_bytes_text_and_bare_array_are_accepted() -> None:
    doc = _doc()
    for data in (json.dumps(doc).encode(), json.dumps(doc), doc["strokes"]):
        task = read_pointer_json(data).tasks[0]
        assert task.n_samples == 15
        assert task.x_mm[0] == pytest.approx(10 * CSS_MM_PER_PX)


def test_mouse_and_touch_pressure_is_not_used() -> None:
    doc = _doc()
    for stroke in doc["strokes"]:
        for s in stroke:
            s["pointerType"] = "touch"
    rec = read_pointer_json(doc)
    assert rec.tasks[0].pressure is None
    assert "pressure not used" in rec.metadata["pressure_note"]


def test_round_trip_of_a_synthetic_spiral_gives_the_same_answers() -> None:
    task = synthetic_spiral(tremor_hz=6.0, tremor_mm=0.6, tremor_axis_deg=60, seed=3)
    doc = to_pointer_json(task, kind="spiral")
    back = read_pointer_json(json.dumps(doc).encode()).tasks[0]
    np.testing.assert_allclose(back.x_mm, task.x_mm, atol=1e-3)
    np.testing.assert_allclose(back.y_mm, task.y_mm, atol=1e-3)
    a = analyze(task).tasks[0].tremor
    b = analyze(doc).tasks[0].tremor
    assert b.present and b.frequency_hz == pytest.approx(a.frequency_hz, abs=0.01)
    assert b.axis_deg == pytest.approx(a.axis_deg, abs=0.5)


def _broken(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = _doc()
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "field", "message"),
    [
        (_broken(("version",), 2), "version", "not allowed"),
        (_broken(("version",), KeyError), "version", "is required"),
        (_doc(strokes=[]), "strokes", "is empty"),
        (_doc(strokes="x"), "strokes", "must be an array"),
        (_doc(strokes=[[]]), "strokes[0]", "is empty"),
        (_doc(colour="red"), "colour", "unknown key"),
        (_doc(task="draw"), "task", "not allowed"),
        (_doc(mm_per_px=0), "mm_per_px", "not allowed"),
        (_doc(task_id=-1), "task_id", "integer >= 0"),
        (_broken(("strokes", 0, 3, "t_ms"), KeyError), "strokes[0][3].t_ms", "is required"),
        (_broken(("strokes", 0, 3, "x"), "12"), "strokes[0][3].x", "is not a number"),
        (_broken(("strokes", 0, 3, "x"), True), "strokes[0][3].x", "is not a number"),
        (_broken(("strokes", 0, 3, "pressure"), 1.5), "strokes[0][3].pressure", "not allowed"),
        (
            _broken(("strokes", 0, 3, "pointerType"), "stylus"),
            "strokes[0][3].pointerType",
            "allowed: pen",
        ),
        (
            _broken(("strokes", 0, 3, "pointerType"), "mouse"),
            "strokes[0][3].pointerType",
            "one pointer per stroke",
        ),
        (_broken(("strokes", 0, 3, "time"), 5), "strokes[0][3].time", "unknown key"),
        (_broken(("strokes", 0, 3, "t_ms"), 1000), "strokes[0][3].t_ms", "time does not increase"),
        (_broken(("strokes", 1, 0, "t_ms"), 1000), "strokes[1][0].t_ms", "time does not increase"),
        (_broken(("strokes", 0, 3, "tiltX"), "a"), "strokes[0][3].tiltX", "is not a number"),
        (_doc(meta={"a": [1]}), "meta.a", "string, number"),
        ({"version": 1, "strokes": [[_sample(1, 1, 1)]]}, "strokes", "at least 2"),
        ([1, 2], "strokes[0]", "array of samples"),
        ("not json", "(root)", "invalid JSON at line 1"),
        ('{"version": 1, "strokes": [[{"x": NaN}]]}', "(root)", "NaN is not valid JSON"),
        ("[" * 100000 + "]" * 100000, "(root)", "nested too deeply"),
        (b"\xff\xfe", "(root)", "not UTF-8"),
        ("  ", "(root)", "empty document"),
        ("3", "(root)", "must be an object"),
    ],
)
def test_schema_violations_name_the_json_path(doc: Any, field: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        read_pointer_json(doc)
    assert err.value.field == field
    assert message in str(err.value)


def test_unknown_key_suggests_the_closest_name() -> None:
    with pytest.raises(InvalidInputError, match="did you mean 't_ms'"):
        read_pointer_json(_broken(("strokes", 0, 0, "t_m"), 3))


def test_hostile_sizes_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pointer, "MAX_STROKES", 1)
    with pytest.raises(InvalidInputError, match="the limit is 1"):
        read_pointer_json(_doc())
    monkeypatch.setattr(pointer, "MAX_STROKES", 10)
    monkeypatch.setattr(pointer, "MAX_SAMPLES", 12)
    with pytest.raises(InvalidInputError, match="more than 12 samples"):
        read_pointer_json(_doc())
    monkeypatch.setattr(pointer, "MAX_FILE_BYTES", 10)
    with pytest.raises(InvalidInputError, match="the limit is 10"):
        read_pointer_json(json.dumps(_doc()).encode())


def test_a_json_file_is_read_and_its_errors_become_file_errors(tmp_path: Path) -> None:
    p = tmp_path / "drawing.json"
    p.write_text(json.dumps(_doc()))
    assert read_ink(p).format == "pointer-json"
    p.write_text(json.dumps(_broken(("strokes", 0, 1, "pressure"), -1)))
    with pytest.raises(UnreadableFileError, match=r"strokes\[0\]\[1\].pressure"):
        read_ink(p)
