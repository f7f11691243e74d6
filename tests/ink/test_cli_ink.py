"""``dystonia ink analyze``: text, JSON contract, figure, exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dystonia.cli import main
from dystonia.ink import to_pointer_json
from dystonia.ink.synthetic import synthetic_writing

from ._data import uci


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out = capsys.readouterr()
    return int(stop.value.code or 0), out.out, out.err


def test_text_report_of_a_uci_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["ink", "analyze", str(uci("C_0001.txt"))], capsys)
    assert code == 0, err
    assert "(uci, 2 tasks)" in out
    assert "task 0      spiral (format)" in out
    assert "smooth    1st order" in out
    assert "tremor    not found" in out
    assert "unverified" in out


def test_json_report_and_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task, _ = synthetic_writing(lines=2, tremor_hz=8.0, tremor_mm=0.3, seed=31)
    doc = tmp_path / "drawing.json"
    doc.write_text(json.dumps(to_pointer_json(task, kind="writing")))
    png = tmp_path / "out.png"
    code, out, err = _run(["ink", "analyze", str(doc), "--json", "--plot", str(png)], capsys)
    assert code == 0, err
    report = json.loads(out)
    t = report["tasks"][0]
    assert t["kind"] == "writing" and t["kind_source"] == "format"
    assert t["writing"]["strokes"] > 0
    assert t["tremor"]["present"] is True
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_task_id_selects_uci_tasks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        ["ink", "analyze", str(uci("P_02100001.txt")), "--task-id", "1", "--json"], capsys
    )
    assert code == 0, err
    assert [t["task_id"] for t in json.loads(out)["tasks"]] == [1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ink", "analyze", "{missing}"], "no such file"),
        (["ink", "analyze", "{bad}"], "line 2: 3 fields where 7 are expected"),
        (["ink", "analyze", "{uci}"], "line 1860: Timestamp goes back in task 2"),
        (["ink", "analyze", "{bad}", "--format", "pdf"], "format: 'pdf' is not allowed"),
        (["ink", "analyze", "{bad}", "--task", "circle"], "task: 'circle' is not allowed"),
        (["ink", "analyze", "{bad}", "--mm-per-unit", "-1"], "mm_per_unit: -1.0 is out of range"),
        (["ink", "analyze", "{empty}"], "empty file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("1;2;0;4;5;6;0\n1;2;3\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    paths = {
        "missing": str(tmp_path / "missing.txt"),
        "bad": str(bad),
        "empty": str(empty),
        "uci": str(uci("P_02100001.txt")),
    }
    code, out, err = _run([a.format(**paths) for a in argv], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert message in err


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = _run(["ink", "analyze"], capsys)
    assert code == 2
