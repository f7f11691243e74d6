"""Pointer JSON read as text, one sample at a time: the same answers as the parsed document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.ink import read_pointer_json
from dystonia.ink.io import limits
from dystonia.ink.io.pointer import MAX_SAMPLE_CHARS


def _sample(t: float, **kw: Any) -> dict[str, Any]:
    return {"x": 10 + t, "y": 20.5, "t_ms": t, "pressure": 0.4, "pointerType": "pen"} | kw


def _doc(**kw: Any) -> dict[str, Any]:
    strokes = [[_sample(1000 + 8 * i) for i in range(6)], [_sample(2000 + 8 * i) for i in range(4)]]
    return {"version": 1, "task": "spiral", "mm_per_px": 0.25, "strokes": strokes} | kw


def _error(data: Any) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as info:
        read_pointer_json(data)
    return info.value


def test_text_gives_the_arrays_of_the_parsed_document() -> None:
    doc = _doc(meta={"userAgent": "x"}, task_id=3)
    parsed = read_pointer_json(doc)
    for text in (json.dumps(doc), json.dumps(doc, indent=4), json.dumps(doc).encode()):
        read = read_pointer_json(text)
        assert read.metadata == parsed.metadata
        for a, b in zip(read.tasks, parsed.tasks, strict=True):
            assert (a.task_id, a.kind) == (b.task_id, b.kind)
            for name in ("time_s", "x_mm", "y_mm", "pressure", "stroke", "pen_down"):
                np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_top_level_keys_are_checked_first_wherever_they_are() -> None:
    """As for the parsed document: the version after a bad sample is still reported first."""
    strokes = [[_sample(1, x="a"), _sample(2)]]
    text = json.dumps({"strokes": strokes, "version": 2})
    assert _error(text).field == "version"
    assert _error(json.loads(text)).field == "version"


def test_the_shape_of_the_strokes_comes_before_their_samples() -> None:
    doc = _doc()
    doc["strokes"][0][2]["x"] = "a"
    doc["strokes"].append([])
    for data in (doc, json.dumps(doc)):
        assert _error(data).field == "strokes[2]"


def test_duplicate_keys_keep_the_last_value_as_json_does() -> None:
    text = json.dumps(_doc())[:-1] + ', "task": "writing"}'
    assert read_pointer_json(text).tasks[0].kind == "writing"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"version": 1 "strokes": []}', "line 1 column 15: Expecting ',' delimiter"),
        ('{"version": 1, "strokes": [[{"x": 1}] [', "Expecting ','"),
        ('{"version": 1}\n{}', "line 2 column 1: Extra data"),
        ('{"version": 1, "strokes": [[', "Expecting value"),
        ('{"version": 1, "strokes": [[{"x": 1', "invalid JSON"),
        ('{"version": 1, "strokes": [[{"x": Infinity}]]}', "Infinity is not valid JSON"),
        ('{"version": 1, 5: 1}', "Expecting property name"),
    ],
)
def test_json_syntax_errors_name_the_line(text: str, said: str) -> None:
    error = _error(text)
    assert error.field == "(root)" and said in str(error), str(error)


def test_an_integer_of_5000_digits_is_a_clear_error() -> None:
    error = _error('{"version": ' + "9" * 5000 + ', "strokes": [[]]}')
    assert error.field == "(root)" and "an integer of 5000 digits" in str(error)
    sample = _error('{"version": 1, "strokes": [[{"x": ' + "9" * 5000 + "}]]}")
    assert sample.field == "strokes[0][0]"  # too long for one sample before it is read


def test_an_integer_beyond_a_double_names_its_path() -> None:
    doc = _doc()
    doc["strokes"][1][0]["y"] = 10**400
    for data in (doc, json.dumps(doc)):
        error = _error(data)
        assert error.field == "strokes[1][0].y"
        assert "an integer of 401 digits is beyond the range of a number" in str(error)


def test_a_sample_too_long_to_be_one_is_refused_with_its_path() -> None:
    doc = _doc()
    doc["strokes"][0][1]["tiltX"] = [0] * MAX_SAMPLE_CHARS
    error = _error(json.dumps(doc))
    assert error.field == "strokes[0][1]" and "longer than" in str(error)
    assert _error(doc).field == "strokes[0][1].tiltX"  # parsed: the value is read


def test_meta_too_long_is_refused() -> None:
    error = _error(json.dumps(_doc(meta={f"k{i}": "x" * 2000 for i in range(40)})))
    assert error.field == "meta" and "longer than" in str(error)


def test_too_many_strokes_and_samples_are_counted_without_keeping_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dystonia.ink.io import pointer

    monkeypatch.setattr(pointer, "MAX_STROKES", 1)
    assert "2 strokes; the limit is 1" in str(_error(json.dumps(_doc())))
    monkeypatch.setattr(pointer, "MAX_STROKES", 10)
    monkeypatch.setattr(pointer, "MAX_SAMPLES", 7)
    assert "more than 7 samples" in str(_error(json.dumps(_doc())))


def test_deep_nesting_inside_a_stroke_is_refused() -> None:
    text = '{"version": 1, "strokes": [[' + "[" * 50_000 + "]" * 50_000 + "]]}"
    assert "nested too deeply" in str(_error(text))


def test_read_limited_reads_what_the_file_holds(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"1;2;0;3;900;4;0\n")
    assert limits.read_limited(path) == b"1;2;0;3;900;4;0\n"
