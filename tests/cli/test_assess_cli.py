"""``dystonia assess`` end to end, as a subprocess (real entry point, real exit codes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dystonia", *args], capture_output=True, text=True, check=False
    )


def test_examples_cover_every_distribution_and_main_causes() -> None:
    seen_dist, seen_causes = set(), set()
    for path in EXAMPLES:
        out = json.loads(run("assess", str(path), "--json").stdout)
        seen_dist.add(out["distribution"])
        seen_causes |= set(out["etiology"]["suspected"])
    assert seen_dist == {"focal", "segmental", "multifocal", "generalized", "hemidystonia"}
    assert {"drug_acute", "drug_tardive", "wilson", "dopa_responsive", "parkinson_associated",
            "structural", "functional", "genetic"} <= seen_causes  # fmt: skip


def test_json_output_has_contract_fields() -> None:
    done = run("assess", str(ROOT / "examples" / "cervical-dystonia.yaml"), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    for key in ("onset_band", "distribution", "focal_forms", "isolated", "etiology", "workup",
                "treatment", "codes", "rationale"):  # fmt: skip
        assert key in out
    assert out["distribution"] == "focal" and out["focal_forms"] == ["cervical"]
    assert all({"rule", "statement", "source"} <= set(r) for r in out["rationale"])


def test_text_report_and_patient_summary() -> None:
    report = run("assess", str(ROOT / "examples" / "writers-cramp.yaml"))
    assert report.returncode == 0
    assert "writers cramp" in report.stdout and "does not replace a clinician" in report.stdout
    patient = run("assess", str(ROOT / "examples" / "writers-cramp.yaml"), "--patient")
    assert "Writer's cramp is one example" in patient.stdout
    assert "not the result of a psychiatric problem" in patient.stdout
    assert "cognition" in patient.stdout
    assert "does not replace your clinician" in patient.stdout


def test_patient_summary_never_claims_normal_cognition_when_impaired(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text(json.dumps({"age_at_onset": 10, "regions": ["neck"],
                                "associated_features": ["cognitive_impairment"]}))  # fmt: skip
    done = run("assess", str(path), "--patient")
    assert done.returncode == 0
    assert "cognition" not in done.stdout


@pytest.mark.parametrize(
    ("content", "suffix", "fragment"),
    [
        ("age_at_onset: 30\nregions: [nek]\n", ".yaml", "did you mean 'neck'"),
        ("age_at_onset: 30\nregions: [neck]\nfoo: 1\n", ".yaml", "foo: unknown field"),
        ("regions: [neck\n", ".yaml", "invalid YAML"),
        ('{"age_at_onset": 30, "regions": ', ".json", "invalid JSON"),
        ("- neck\n", ".yaml", "top level must be a mapping"),
        ("age_at_onset: 30\n", ".txt", "unknown extension"),
        ("", ".yaml", "top level must be a mapping"),
    ],
)
def test_bad_input_exit_2_one_line_no_traceback(
    tmp_path: Path, content: str, suffix: str, fragment: str
) -> None:
    path = tmp_path / f"findings{suffix}"
    path.write_text(content)
    done = run("assess", str(path))
    assert done.returncode == 2
    assert fragment in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


def test_missing_file_exit_2() -> None:
    done = run("assess", "/nonexistent/findings.yaml")
    assert done.returncode == 2 and "no such file" in done.stderr
