"""``dystonia score`` and ``dystonia scales`` through the real entry point.

``dystonia.cli.main`` is called in-process (it turns every DystoniaError into one line on
standard error and exit code 2); one test runs the installed module in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dystonia.cli import app, main

JRS_OK = "severity: 3\nfrequency: 2\n"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``dystonia`` with ``argv``; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    code = info.value.code
    return (0 if code is None else int(code)), out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_score_json_prints_the_contract_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["score", "jrs", write(tmp_path, "i.yaml", JRS_OK), "--json"], capsys)
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "scale": "jrs",
        "version": "jankovic_orman_1987",
        "total": 5,
        "max": 8,
        "subscores": {"severity": {"value": 3, "max": 4}, "frequency": {"value": 2, "max": 4}},
        "items": {"severity": 3, "frequency": 2},
    }


def test_score_reads_json_files_and_honours_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kit
) -> None:
    items = write(tmp_path, "t.json", json.dumps(kit.items_at("twstrs", "max")))
    code, out, _ = run(["score", "twstrs", items, "--json", "--version", "brashear_1999"], capsys)
    assert code == 0
    data = json.loads(out)
    assert (data["total"], data["max"], data["subscores"]["disability"]["max"]) == (85, 87, 32)


def test_score_table_is_readable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["score", "jrs", write(tmp_path, "i.yaml", JRS_OK)], capsys)
    assert code == 0
    assert "Jankovic Rating Scale" in out
    assert "Total: 5 / 8" in out
    assert "frequency" in out


def test_score_through_cli_runner(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["score", "jrs", write(tmp_path, "i.yaml", JRS_OK), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["total"] == 5


@pytest.mark.parametrize(
    ("scale", "text", "expected"),
    [
        ("jrss", JRS_OK, "scale: 'jrss' is not allowed; allowed: bfmdrs_disability"),
        ("jrs", "severity: 3\nfrequncy: 2\n", "did you mean 'frequency'?"),
        ("jrs", "severity: 5\nfrequency: 2\n", "items.severity: 5 is out of range"),
        ("jrs", "severity: 3\n", "items.frequency: is required and missing"),
        ("jrs", "severity: three\nfrequency: 2\n", "items.severity: 'three' is not a number"),
        ("jrs", "severity: 2.5\nfrequency: 2\n", "items.severity: 2.5 is not an allowed step"),
        ("jrs", "severity: [3\nfrequency: 2\n", "invalid YAML at line 2"),
        ("jrs", "- 3\n- 2\n", "top level must be a mapping"),
        ("jrs", "severity: true\nfrequency: 2\n", "items.severity: True is not a number"),
    ],
    ids=[
        "unknown-scale",
        "unknown-item",
        "out-of-range",
        "missing-item",
        "non-number",
        "half-step",
        "bad-yaml",
        "not-a-mapping",
        "bool",
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    scale: str,
    text: str,
    expected: str,
) -> None:
    code, out, err = run(["score", scale, write(tmp_path, "i.yaml", text)], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert expected in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_missing_file_and_unknown_version_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["score", "jrs", str(tmp_path / "nope.yaml")], capsys)
    assert code == 2 and "no such file" in err
    good = write(tmp_path, "i.yaml", JRS_OK)
    code, _, err = run(["score", "jrs", good, "--version", "2099"], capsys)
    assert code == 2 and "version: '2099' is not allowed" in err


def test_scales_json_lists_items_ranges_and_licence(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["scales", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert [d["name"] for d in data] == [
        "bfmdrs_disability", "bfmdrs_movement", "bsdi", "gdrs", "jrs", "tsui", "twstrs",
    ]  # fmt: skip
    bsdi = next(d for d in data if d["name"] == "bsdi")
    assert bsdi["max"] == 24
    assert bsdi["licence"]["item_text_shipped"] is False
    assert bsdi["items"][0]["allowed"] == "0-4, whole numbers, or null (not applicable)"


def test_scales_table_and_single_scale(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["scales", "twstrs"], capsys)
    assert code == 0
    assert "consky_lang_1994 (max 85), brashear_1999 (max 87)" in out
    assert "time_in_neutral" in out
    code, _, err = run(["scales", "twstr"], capsys)
    assert code == 2 and "did you mean 'twstrs'?" in err


def test_installed_entry_point_in_a_subprocess(tmp_path: Path) -> None:
    items = write(tmp_path, "i.yaml", "severity: 9\nfrequency: 2\n")
    proc = subprocess.run(
        [sys.executable, "-m", "dystonia", "score", "jrs", items],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr == "error: items.severity: 9 is out of range; allowed: 0-4, whole numbers\n"
