"""analyze() and the contract JSON: every field, every input kind, bad options."""

from __future__ import annotations

import io
import json

import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.ink import InkRecording, analyze, to_pointer_json
from dystonia.ink.plot import plot_report
from dystonia.ink.synthetic import synthetic_spiral, synthetic_writing

CONTRACT_TASK = {"task_id", "kind", "duration_s", "samples", "fs_hz", "spiral", "writing", "tremor"}
CONTRACT_SPIRAL = {"turns", "smoothness_first_order", "smoothness_second_order", "loop_width_cv"}
CONTRACT_WRITING = {
    "strokes",
    "stroke_frequency_hz",
    "velocity_inversions_per_stroke",
    "pressure_mean",
    "pressure_cv",
    "deterioration_slope",
}
CONTRACT_TREMOR = {"present", "frequency_hz", "amplitude_mm", "axis_deg", "axis_strength"}


@pytest.fixture(scope="module")
def spiral_and_writing() -> InkRecording:
    spiral = synthetic_spiral(tremor_hz=7.0, tremor_mm=0.5, tremor_axis_deg=120.0, seed=21)
    writing, _ = synthetic_writing(lines=3, seed=21)
    import dataclasses

    return InkRecording(tasks=(spiral, dataclasses.replace(writing, task_id=1)), source="synthetic")


def test_contract_json(spiral_and_writing: InkRecording) -> None:
    report = analyze(spiral_and_writing)
    d = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert [t["task_id"] for t in d["tasks"]] == [0, 1]
    spiral, writing = d["tasks"]
    for task in d["tasks"]:
        assert set(task) >= CONTRACT_TASK
        assert set(task["tremor"]) >= CONTRACT_TREMOR
    assert spiral["kind"] == "spiral" and writing["kind"] == "writing"
    assert set(spiral["spiral"]) >= CONTRACT_SPIRAL and spiral["writing"] is None
    assert set(writing["writing"]) >= CONTRACT_WRITING and writing["spiral"] is None
    assert spiral["tremor"]["present"] is True
    assert 0 <= spiral["tremor"]["axis_deg"] < 180
    assert 0 <= spiral["tremor"]["axis_strength"] <= 1
    assert spiral["tremor"]["axis_deg"] == pytest.approx(120, abs=3)
    assert d["units"]["length"] == "mm" and "disclaimer" in d
    assert d["params"]["tremor"]["band_hz"] == [3.0, 12.0]


def test_pointer_json_bytes_and_dict_are_analysed() -> None:
    task = synthetic_spiral(seed=22)
    doc = to_pointer_json(task)
    del doc["mm_per_px"]  # a page that does not know its pixel size
    for data in (doc, json.dumps(doc).encode()):
        rep = analyze(data)
        assert rep.recording.format == "pointer-json"
        assert rep.tasks[0].kind == "spiral"
    assert any("CSS reference pixel" in n for n in analyze(doc).notes)


def test_task_override_and_task_selection(spiral_and_writing: InkRecording) -> None:
    rep = analyze(spiral_and_writing, "spiral", tasks=[0])
    assert [t.task.task_id for t in rep.tasks] == [0]
    assert rep.tasks[0].kind_source == "given"
    with pytest.raises(InvalidInputError, match="allowed: 0, 1"):
        analyze(spiral_and_writing, tasks=[5])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"task": "circle"}, "task"), ({"format": "pdf"}, "format")],
)
def test_bad_options(kwargs: dict[str, str], field: str, tmp_path: object) -> None:
    with pytest.raises(InvalidInputError) as err:
        analyze("x.txt", **kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_unsupported_input_type() -> None:
    with pytest.raises(InvalidInputError, match="must be a file path"):
        analyze(3.5)  # type: ignore[arg-type]


def test_plot_to_a_buffer_for_a_web_response(spiral_and_writing: InkRecording) -> None:
    buf = io.BytesIO()
    plot_report(analyze(spiral_and_writing, tasks=[0]), buf)
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
