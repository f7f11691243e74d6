"""`dystonia users add`, `dystonia audit verify`, `dystonia serve` as a user runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _env(tmp_path: Path, database) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = dict(os.environ)
    env["DYSTONIA_DATA_DIR"] = str(tmp_path / "data")
    env["DYSTONIA_DATABASE_URL"] = database.engine.url.render_as_string(hide_password=False)
    return env


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dystonia", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_users_add_and_audit_verify(tmp_path, database) -> None:  # type: ignore[no-untyped-def]
    env = _env(tmp_path, database)
    out = _run(
        ["users", "add", "dr.who", "--role", "clinician", "--password-stdin"],
        env,
        "a long enough password\n",
    )
    assert out.returncode == 0, out.stderr
    assert "created clinician dr.who" in out.stdout
    assert (tmp_path / "data" / "audit.key").exists()
    assert oct((tmp_path / "data" / "audit.key").stat().st_mode & 0o777) == "0o600"
    verify = _run(["audit", "verify"], env)
    assert verify.returncode == 0 and "1 events verified" in verify.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["users", "add", "x1", "--role", "doctor", "--password-stdin"],
            "long enough pw\n",
            "role",
        ),
        (["users", "add", "x1", "--role", "clinician", "--password-stdin"], "short\n", "password"),
        (
            ["users", "add", "x1", "--role", "patient", "--password-stdin"],
            "long enough pw\n",
            "patient",
        ),
        (
            ["users", "add", "Bad Name", "--role", "admin", "--password-stdin"],
            "long enough pw\n",
            "username",
        ),
        (["serve", "--port", "70000"], "", "--port"),
        (["serve", "--host", "example.com"], "", "--host"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, database, args, stdin, message) -> None:  # type: ignore[no-untyped-def]
    out = _run(args, _env(tmp_path, database), stdin)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert message in out.stderr and "Traceback" not in out.stderr
    assert "long enough pw" not in out.stderr + out.stdout  # never echo a password


def test_unreachable_database_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = dict(
        os.environ,
        DYSTONIA_DATA_DIR=str(tmp_path),
        DYSTONIA_DATABASE_URL="postgresql+psycopg://nobody:secretpw@127.0.0.1:1/none",
    )
    out = _run(["audit", "verify"], env)
    assert out.returncode == 2 and "cannot open the database" in out.stderr
    assert "secretpw" not in out.stderr and "Traceback" not in out.stderr


def test_serve_demo_starts_and_answers(tmp_path, database) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = _env(tmp_path, database)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dystonia", "serve", "--demo", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200 and b'"ok"' in r.read()
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        proc.stderr.read() if proc.stderr else "no output"
                    ) from None
                time.sleep(0.3)
    finally:
        proc.terminate()
        out, _err = proc.communicate(timeout=30)
    assert "fictional" in out and "dr.demo" in out and "alex.demo" in out


def test_users_reset_2fa(tmp_path, database, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An admin at the console removes a lost authenticator; an unknown account is exit 2."""
    import base64

    from dystonia.records import totp
    from dystonia.records.config import audit_key, totp_key
    from dystonia.records.service import Records

    env = _env(tmp_path, database)
    out = _run(["users", "add", "dr.lost", "--role", "clinician", "--password-stdin"], env,
               "a long enough password\n")  # fmt: skip
    assert out.returncode == 0, out.stderr
    monkeypatch.setenv("DYSTONIA_DATA_DIR", env["DYSTONIA_DATA_DIR"])
    records = Records(database, key=audit_key(), totp_key=totp_key())  # the command line's keys
    info, _ = records.sign_in("dr.lost", "a long enough password")
    setup = records.totp_begin(info.principal, "a long enough password")
    raw = base64.b32decode(setup["secret"] + "=" * (-len(setup["secret"]) % 8))
    records.totp_confirm(info.principal, totp.hotp(raw, totp.step_at(time.time())))
    assert records.sign_in("dr.lost", "a long enough password") is None
    reset = _run(["users", "reset-2fa", "dr.lost"], env)
    assert reset.returncode == 0, reset.stderr
    assert "second factor of dr.lost removed" in reset.stdout
    assert records.sign_in("dr.lost", "a long enough password") is not None
    unknown = _run(["users", "reset-2fa", "nobody.here"], env)
    assert unknown.returncode == 2 and "no such account" in unknown.stderr
    assert _run(["audit", "verify"], env).returncode == 0
