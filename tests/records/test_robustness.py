"""Concurrency and crash safety, against the real server over HTTP.

* Many clients write diaries and assessments at once: every acknowledged write is stored
  exactly once, no request fails with a raw database error, the audit chain stays intact.
* ``kill -9`` of the server in the middle of writes: after a restart the database passes its
  integrity check, every acknowledged write is there, no injection session is half-written, and
  the audit chain verifies.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from dystonia.records.service import SYSTEM

CLIENTS = 12
WRITES_PER_CLIENT = 8


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _world(records: Any) -> tuple[int, list[tuple[str, str]]]:
    pid = records.create_patient(SYSTEM, "Busy Patient")["id"]
    logins = []
    for i in range(3):
        name = f"clin{i}"
        records.add_user(SYSTEM, name, f"password number {i}", "clinician")
        records.assign(SYSTEM, pid, name)
        logins.append((name, f"password number {i}"))
    return pid, logins


def _client(base: str, username: str, password: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=60)
    r = c.post("/api/v1/auth/login", json={"username": username, "password": password})
    r.raise_for_status()
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


def test_concurrent_writes_are_all_stored_once(records: Any) -> None:
    import uvicorn

    from dystonia.web.app import create_app

    pid, logins = _world(records)
    port = _port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(records), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    clients = [_client(base, *logins[i % len(logins)]) for i in range(CLIENTS)]

    def work(k: int) -> list[tuple[str, int, int]]:
        c = clients[k]
        out = []
        for j in range(WRITES_PER_CLIENT):
            if j % 4 == 3:
                r = c.post(
                    f"/api/v1/patients/{pid}/assessments",
                    json={"findings": {"age_at_onset": 20 + k, "regions": ["neck"]}},
                )
                kind = "assessment"
            else:
                r = c.post(
                    f"/api/v1/patients/{pid}/diary",
                    json={"date": "2026-01-01", "severity_0_10": j % 11, "note": f"c{k}w{j}"},
                )
                kind = "diary"
            out.append((kind, r.status_code, r.json().get("id", -1)))
        return out

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = [x for chunk in pool.map(work, range(CLIENTS)) for x in chunk]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    statuses = {status for _, status, _ in results}
    assert statuses == {201}, statuses  # no 5xx, no raw database error
    diary_ids = sorted(i for kind, _, i in results if kind == "diary")
    stored = records.list_diary(SYSTEM, pid)
    assert sorted(d["id"] for d in stored) == diary_ids  # every acknowledged write, once
    assert len({d["note"] for d in stored}) == len(stored)
    n_assess = sum(1 for kind, _, _ in results if kind == "assessment")
    assert len(records.list_assessments(SYSTEM, pid)) == n_assess
    assert records.verify_audit().ok


def test_kill_9_mid_write_loses_nothing_acknowledged(records: Any, tmp_path: Any) -> None:
    pid, logins = _world(records)
    port = _port()
    env = dict(os.environ)
    env["DYSTONIA_DATABASE_URL"] = records.db.engine.url.render_as_string(hide_password=False)
    env["DYSTONIA_AUDIT_KEY"] = records.key.hex()
    env["DYSTONIA_DATA_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dystonia", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("server did not start")
        time.sleep(0.2)

    acknowledged: list[tuple[str, int]] = []
    lock = threading.Lock()
    stop = threading.Event()
    session = {
        "product": "Botox", "date": "2026-01-05", "dilution_units_per_ml": 50, "indication": "cervical_dystonia",
        "injections": [{"muscle": m, "side": "left", "units": 20, "guidance": "emg"} for m in ("sternocleidomastoid", "splenius_capitis", "trapezius", "levator_scapulae")],
    }  # fmt: skip

    def writer(k: int) -> None:
        c = _client(base, *logins[k % len(logins)])
        j = 0
        while not stop.is_set():
            try:
                if j % 3 == 2:
                    r = c.post(f"/api/v1/patients/{pid}/toxin", json=session)
                    kind = "toxin"
                else:
                    r = c.post(
                        f"/api/v1/patients/{pid}/diary",
                        json={"date": "2026-01-01", "severity_0_10": 3},
                    )
                    kind = "diary"
            except httpx.HTTPError:
                return  # the server died under us: this write was never acknowledged
            if r.status_code == 201:
                with lock:
                    acknowledged.append((kind, r.json()["id"]))
            j += 1

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    while True:
        with lock:
            if len(acknowledged) >= 40:
                break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of writes
    proc.wait(timeout=30)
    stop.set()
    for t in threads:
        t.join(timeout=30)

    # "restart": a fresh engine on the same database
    from dystonia.records.db import Database
    from dystonia.records.service import Records

    records.db.dispose()
    again = Records(Database(env["DYSTONIA_DATABASE_URL"]), key=records.key)
    again.db.migrate()
    if again.db.dialect == "sqlite":
        with again.db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            conn.rollback()
    ov = again.overview(SYSTEM, pid)
    diary_ids = {d["id"] for d in ov["diary"]}
    toxin = {t["id"]: t for t in ov["toxin"]}
    for kind, rid in acknowledged:
        assert rid in (diary_ids if kind == "diary" else toxin), (kind, rid)
    assert all(len(t["injections"]) == 4 for t in toxin.values())  # no half-written session
    assert again.verify_audit().ok
    again.db.dispose()
