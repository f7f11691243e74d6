"""`dystonia fhir export` and `dystonia fhir import`, run in-process on the test database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests._cli import run_cli as _run  # type: ignore[import-not-found]

from dystonia.records.service import SYSTEM

TEST_KEY = bytes(range(32))  # the audit key of the `records` fixture (tests/conftest.py)


@pytest.fixture
def clinic(records, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Two patients (one with records), a clinician assigned to both; the CLI on the same DB."""
    url = records.db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DYSTONIA_DATABASE_URL", url)
    monkeypatch.setenv("DYSTONIA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DYSTONIA_AUDIT_KEY", TEST_KEY.hex())
    source = records.create_patient(SYSTEM, "Source (fictional)", birth_year=1980)["id"]
    target = records.create_patient(SYSTEM, "Target (fictional)", birth_year=1980)["id"]
    records.add_user(SYSTEM, "clin", "clinician password", "clinician")
    records.assign(SYSTEM, source, "clin")
    records.assign(SYSTEM, target, "clin")
    who = records.sign_in("clin", "clinician password")[0].principal
    records.add_assessment(who, source, {"age_at_onset": 45, "regions": ["neck"]})
    records.add_medication(who, source, name="haloperidol", dose="1 mg at night")
    return records, source, target


def test_export_to_stdout_and_to_a_file(clinic, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, source, _ = clinic
    code, out, err = _run(["fhir", "export", str(source)], capsys)
    assert code == 0, err
    bundle: dict[str, Any] = json.loads(out)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    target = tmp_path / "bundle.json"
    code, out, err = _run(["fhir", "export", str(source), "--out", str(target)], capsys)
    assert code == 0, err
    assert json.loads(target.read_text(encoding="utf-8")) == bundle
    assert out.startswith(f"wrote {target}: FHIR R4B Bundle (collection) of patient {source}")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_import_dry_run_then_for_real(clinic, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    records, source, target = clinic
    path = tmp_path / "bundle.json"
    assert _run(["fhir", "export", str(source), "--out", str(path)], capsys)[0] == 0
    code, out, err = _run(
        ["fhir", "import", str(path), "--patient-id", str(target), "--dry-run"], capsys
    )
    assert code == 0, err
    assert "would import 1 medication(s) and 1 condition(s)" in out
    assert "medication  haloperidol  1 mg at night  (active)" in out
    assert "[ICD-10-CM G24.3, SNOMED CT 15802004, SNOMED CT 74333002]" in out
    assert records.overview(SYSTEM, target)["medications"] == []

    args = ["fhir", "import", str(path), "--patient-id", str(target), "--as", "clin"]
    code, out, err = _run(args, capsys)
    assert code == 0, err
    assert "imported 1 medication(s) and 1 condition(s) into patient" in out
    assert "dopamine-receptor blocker: central" in out
    assert "skipped     1 entries: 1 Patient (read to name the patient; not imported)" in out
    code, out, err = _run([*args, "--json"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["medications"] == [] and len(result["already_imported"]) == 2
    events = [e for e in records.audit_events(SYSTEM) if e["action"] == "fhir.import"]
    assert {e["actor"] for e in events} == {"clin"}
    assert records.verify_audit().ok  # the CLI appended to the same chain with the same key


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fhir", "export", "999"], "error: patient not found"),
        (["fhir", "import", "{missing}", "--patient-id", "1", "--as", "clin"], "no such file"),
        (["fhir", "import", "{bad}", "--patient-id", "1", "--dry-run"], "bundle: is not JSON"),
        (["fhir", "import", "{good}", "--patient-id", "{target}"], "--as: is required"),
        (
            ["fhir", "import", "{good}", "--patient-id", "{target}", "--as", "nobody"],
            "no active account 'nobody'",
        ),
        (["fhir", "import", "{good}", "--patient-id", "999", "--as", "clin"], "patient not found"),
    ],
)
def test_errors_are_one_line_and_exit_2(clinic, capsys, tmp_path, args, message) -> None:  # type: ignore[no-untyped-def]
    records, source, target = clinic
    good = tmp_path / "good.json"
    good.write_text(json.dumps(records.fhir_export(SYSTEM, source)), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text("{oops", encoding="utf-8")
    names = {"missing": tmp_path / "missing.json", "bad": bad, "good": good, "target": target}
    code, out, err = _run([a.format(**names) for a in args], capsys)
    assert code == 2, (out, err)
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
