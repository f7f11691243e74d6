"""`dystonia backup` / `dystonia restore`: a round trip brings back exactly what was saved."""

from __future__ import annotations

import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.records.backup import BackupError, backup, restore
from dystonia.records.service import SYSTEM


def _state(records):  # type: ignore[no-untyped-def]
    patients = records.list_patients(SYSTEM)
    return [(p["display_name"], len(records.overview(SYSTEM, p["id"])["diary"])) for p in patients]


def test_round_trip(records, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pid = records.create_patient(SYSTEM, "Kept")["id"]
    records.add_user(SYSTEM, "clin", "clinician password", "clinician")
    records.assign(SYSTEM, pid, "clin")
    who = records.sign_in("clin", "clinician password")[0].principal
    records.add_diary(who, pid, day="2026-01-01", severity_0_10=5)
    saved = _state(records)
    info = backup(records.db, tmp_path / "b.dump")
    assert info.patients == 1 and info.size_bytes > 0
    # changes after the backup
    records.create_patient(SYSTEM, "Added later")
    records.add_diary(who, pid, day="2026-01-02", severity_0_10=6)
    with pytest.raises(BackupError, match="--force"):
        restore(records.db, tmp_path / "b.dump")
    restored = restore(records.db, tmp_path / "b.dump", force=True)
    assert restored.patients == 1
    assert _state(records) == saved
    assert records.verify_audit().ok  # the chain of the backup is intact on its own


def test_backup_refuses_to_overwrite_and_bad_restore_files(records, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "exists").write_text("x")
    with pytest.raises(InvalidInputError, match="exists"):
        backup(records.db, tmp_path / "exists")
    with pytest.raises(InvalidInputError, match="folder"):
        backup(records.db, tmp_path / "nope" / "b.dump")
    (tmp_path / "junk").write_bytes(b"hello world, not a backup")
    with pytest.raises(InvalidInputError, match="is not"):
        restore(records.db, tmp_path / "junk")
    with pytest.raises(InvalidInputError, match="not a file"):
        restore(records.db, tmp_path / "missing")


def test_cli_round_trip(records, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from dystonia.cli import app

    monkeypatch.setenv(
        "DYSTONIA_DATABASE_URL", records.db.engine.url.render_as_string(hide_password=False)
    )
    monkeypatch.setenv("DYSTONIA_AUDIT_KEY", records.key.hex())
    monkeypatch.setenv("DYSTONIA_DATA_DIR", str(tmp_path))
    records.create_patient(SYSTEM, "Via the CLI")
    runner = CliRunner()
    out = runner.invoke(app, ["backup", str(tmp_path / "cli.dump")])
    assert out.exit_code == 0 and "1 patients" in out.output
    back = runner.invoke(app, ["restore", str(tmp_path / "cli.dump"), "--force"])
    assert back.exit_code == 0 and "audit chain intact" in back.output
