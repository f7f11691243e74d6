"""Web benchmarks: the patient page server-side, and the JSON API under concurrent clients.

1. Patient page (in-process, through the ASGI app with ``httpx.ASGITransport``): ``GET
   /patients/{id}`` for a patient with 10 years of history (``seed_history(years=10)``: a toxin
   session every 12-14 weeks, TWSTRS twice per cycle, ~3,650 diary days), its parts timed alone
   (``Records.overview``, ``chart_for``, ``_timeline``, the Jinja template), and side by side the
   same page for a 1-year patient, ``GET /healthz``, a bare ``SELECT 1``, an empty transaction
   and one audit event. Target (issue 5): under 100 ms server-side. A what-if row renders the
   page with the start-up objects frozen out of the garbage collector (``gc.freeze()``).
2. API load (real server): ``dystonia serve`` in a subprocess on a fresh database, driven over
   loopback from this process (httpx ``AsyncClient``, one per client, each signed in through
   ``POST /api/v1/auth/login`` with its own session cookie) by 1, 10 and 50 concurrent clients
   doing a mix of ``GET /api/v1/patients/{id}``, ``GET .../assessments`` and ``POST .../diary``
   (with ``X-CSRF-Token``); baseline side by side: ``GET /healthz`` (no session, no audit event)
   at the same concurrency. Every API request loads the session and writes one audit event to a
   serialised hash chain.

SQLite runs on a temporary file; PostgreSQL on a scratch database created on the server of
``--pg-url`` (``bash tools/postgres-up.sh`` starts one on loopback) and dropped afterwards.
Client, server and PostgreSQL share the machine's cores: the figures are for that machine.

Usage: python benchmarks/bench_web.py [--quick] [--part page|api|all] [--audit-what-if]
       [--backends sqlite,postgresql] [--pg-url URL] [--seconds S] [--profile]

``--audit-what-if`` adds rows for the same API mix on a server whose audit append is patched
out (an experiment that prices the audit chain; the product has no such mode).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import datetime as dt
import gc
import io
import os
import platform
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from dystonia.records.accounts import SessionInfo, principal_of
from dystonia.records.db import Database
from dystonia.records.demo import CERVICAL_FINDINGS, seed_history
from dystonia.records.models import DiaryEntry, ScaleResult, ToxinSession, User
from dystonia.records.policy import Principal
from dystonia.records.service import SYSTEM, Records

KEY = bytes(range(32))
CLINICIAN = "bench.clin"
PASSWORD = "benchmark password 1"
DEFAULT_PG = os.environ.get(
    "DYSTONIA_BENCH_POSTGRES_URL",
    os.environ.get(
        "DYSTONIA_TEST_POSTGRES_URL",
        "postgresql+psycopg://dystonia:dystonia@127.0.0.1:5432/dystonia",
    ),
)
TARGET_MS = 100.0


# --------------------------------------------------------------------------------- plumbing
@dataclass
class Settings:
    """What one run measures (``--quick`` shrinks everything)."""

    page_requests: int
    levels: tuple[int, ...]
    warmup_s: float
    measure_s: float
    patients: int


@dataclass
class Scratch:
    """A fresh database for one benchmark: its URL and how to drop it."""

    backend: str
    url: str
    drop: Callable[[], None]


@contextlib.contextmanager
def scratch_database(backend: str, pg_url: str, tmp: Path) -> Iterator[Scratch]:
    """A new empty database (SQLite file in ``tmp``, or a scratch PostgreSQL database)."""
    if backend == "sqlite":
        path = tmp / f"bench-{uuid.uuid4().hex[:8]}.db"
        yield Scratch(backend, f"sqlite:///{path}", lambda: None)
        return
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"dw_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    try:
        yield Scratch(
            backend, admin.url.set(database=name).render_as_string(hide_password=False), drop
        )
    finally:
        drop()
        admin.dispose()


def postgres_available(pg_url: str) -> str | None:
    """The server's version string, or None when it cannot be reached."""
    try:
        engine = create_engine(pg_url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one())
            sync = str(conn.execute(text("SHOW synchronous_commit")).scalar_one())
            version += f", synchronous_commit={sync}"
        engine.dispose()
        return version
    except Exception:
        return None


def quantile(values: list[float], q: float) -> float:
    """The q-quantile (0-1) of ``values``, linear between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def build_world(url: str, *, patients: int, history_years: tuple[float, ...]) -> dict[str, Any]:
    """Migrate, create the clinician, ``patients`` plain patients (two assessments each) and one
    patient per entry of ``history_years`` with that much seeded history."""
    db = Database(url)
    db.migrate()
    records = Records(db, key=KEY)
    records.add_user(SYSTEM, CLINICIAN, PASSWORD, "clinician")
    with db.session() as s:
        clinician = s.execute(select(User).where(User.username == CLINICIAN)).scalar_one()
        who = principal_of(clinician)
    plain = []
    for i in range(patients):
        pid = records.create_patient(SYSTEM, f"Load Patient {i:03d} (fictional)", birth_year=1970)[
            "id"
        ]
        records.assign(SYSTEM, pid, CLINICIAN)
        records.add_assessment(who, pid, CERVICAL_FINDINGS)
        records.add_assessment(who, pid, CERVICAL_FINDINGS)
        plain.append(pid)
    seeded: dict[float, int] = {}
    for years in history_years:
        pid = records.create_patient(
            SYSTEM, f"History {years:g} years (fictional)", birth_year=1975, sex="female"
        )["id"]
        records.assign(SYSTEM, pid, CLINICIAN)
        seed_history(records, patient_id=pid, clinician_id=who.user_id, years=years)
        seeded[years] = pid
    return {"db": db, "records": records, "who": who, "plain": plain, "seeded": seeded}


# --------------------------------------------------------------------------------- 1. the page
PAGE10 = "`GET /patients/{id}`, 10 years"
PAGE1 = "`GET /patients/{id}`, 1 year"
PAGE10_FROZEN = "`GET /patients/{id}`, 10 years, `gc.freeze()` (what-if)"
HEALTHZ = "`GET /healthz`"


def _page_context(ov: dict[str, Any], info: SessionInfo) -> dict[str, Any]:
    """What ``pages.render`` gives the patient template."""
    from dystonia.web import pages

    ctx = pages._patient_context(ov, info)
    return {"user": pages._user(info), "csrf_token": info.csrf_token, "flash": [], **ctx}


async def page_benchmark(
    backend: str, url: str, settings: Settings, *, profile: bool
) -> dict[str, Any]:
    """Time the patient page and its parts, side by side with the baselines."""
    from dystonia.records.audit import append_event
    from dystonia.web import pages
    from dystonia.web.app import create_app

    t0 = time.perf_counter()
    world = build_world(url, patients=0, history_years=(10.0, 1.0))
    seed_s = time.perf_counter() - t0
    records: Records = world["records"]
    who: Principal = world["who"]
    p10, p1 = world["seeded"][10.0], world["seeded"][1.0]
    with records.db.session() as s:
        counts = {
            name: s.scalar(select(func.count()).select_from(model).where(model.patient_id == p10))
            for name, model in (
                ("diary", DiaryEntry),
                ("scales", ScaleResult),
                ("toxin", ToxinSession),
            )
        }
    app = create_app(records)
    template = app.state.templates.get_template("patient.html")
    info = SessionInfo(who, "csrf-token-for-the-benchmark", 0)
    ov10 = records.overview(who, p10)
    ctx10 = _page_context(ov10, info)

    def empty_transaction() -> None:
        with records.db.session():
            pass

    def one_audit_event() -> None:
        with records.db.session() as s:
            append_event(s, records.key, who, "benchmark.noop", "benchmark")

    sizes: dict[str, int] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        r = await client.post(
            "/api/v1/auth/login", json={"username": CLINICIAN, "password": PASSWORD}
        )
        r.raise_for_status()

        def get(path: str) -> Callable[[], Any]:
            async def call() -> None:
                resp = await client.get(path)
                if resp.status_code != 200:
                    raise RuntimeError(f"GET {path}: {resp.status_code}")
                sizes[path] = len(resp.content)

            return call

        def frozen(call: Callable[[], Any]) -> Callable[[], Any]:
            async def inner() -> None:
                gc.freeze()  # start-up objects out of the collector's way, for this request
                try:
                    await call()
                finally:
                    gc.unfreeze()

            return inner

        cases: list[tuple[str, Callable[[], Any]]] = [
            ("`SELECT 1` round trip (`Database.ping`)", records.db.ping),
            ("empty transaction (`Database.session`)", empty_transaction),
            ("one audit event (`append_event` + commit)", one_audit_event),
            (HEALTHZ, get("/healthz")),
            ("`Records.overview`, 10 years", lambda: records.overview(who, p10)),
            ("`chart_for` (SVG), 10 years", lambda: pages.chart_for(ov10, title="T")),
            ("`_timeline`, 10 years", lambda: pages._timeline(ov10)),
            ("template render alone, 10 years", lambda: template.render(ctx10)),
            (PAGE1, get(f"/patients/{p1}")),
            (PAGE10, get(f"/patients/{p10}")),
            (PAGE10_FROZEN, frozen(get(f"/patients/{p10}"))),
        ]
        wall: dict[str, list[float]] = {name: [] for name, _ in cases}
        cpu: dict[str, list[float]] = {name: [] for name, _ in cases}
        for i in range(settings.page_requests + 3):  # round robin: the cases share the noise
            for name, fn in cases:
                w0, c0 = time.perf_counter(), time.process_time()
                out = fn()
                if asyncio.iscoroutine(out):
                    await out
                w1, c1 = time.perf_counter(), time.process_time()
                if i >= 3:  # 3 warm-up rounds
                    wall[name].append((w1 - w0) * 1000.0)
                    cpu[name].append((c1 - c0) * 1000.0)

    prof_text = None
    if profile or statistics.median(wall[PAGE10]) > TARGET_MS:
        prof_text = profile_page(records, who, p10, template, info)
    records.db.dispose()
    return {
        "backend": backend,
        "wall": wall,
        "cpu": cpu,
        "counts": counts,
        "sizes": sizes,
        "seed_s": seed_s,
        "p10": p10,
        "profile": prof_text,
    }


def profile_page(
    records: Records, who: Principal, pid: int, template: Any, info: SessionInfo
) -> str:
    """cProfile of what the patient page's request thread does (overview, context, template),
    10 times; the top functions by own time and by cumulative time."""

    def once() -> str:
        html: str = template.render(_page_context(records.overview(who, pid), info))
        return html

    once()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(10):
        once()
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(18)
    stats.sort_stats("cumulative").print_stats(r"dystonia|jinja2|sqlalchemy/orm/loading", 22)
    return out.getvalue()


def print_page(result: dict[str, Any]) -> None:
    wall, cpu = result["wall"], result["cpu"]
    base = statistics.median(wall[HEALTHZ])
    counts, sizes = result["counts"], result["sizes"]
    n = len(wall[HEALTHZ])
    kib = sizes.get(f"/patients/{result['p10']}", 0) / 1024
    print(f"\n### Patient page, {result['backend']} ({n} timings each, round robin)\n")
    print(
        f"10-year patient: {counts['diary']} diary days, {counts['scales']} TWSTRS, "
        f"{counts['toxin']} toxin sessions; page {kib:.0f} KiB of HTML "
        f"(seeded in {result['seed_s']:.1f} s). CPU = this process's CPU time (all threads): "
        "what other jobs on the machine cannot inflate.\n"
    )
    rows = []
    for name, values in wall.items():
        med = statistics.median(values)
        rows.append(
            [
                name,
                f"{med:.2f}",
                f"{quantile(values, 0.95):.2f}",
                f"{statistics.median(cpu[name]):.2f}",
                f"{med / base:.1f}x",
            ]
        )
    print(
        table(["what", "median ms", "p95 ms", "CPU ms (median)", "median / `GET /healthz`"], rows)
    )
    page, one = statistics.median(wall[PAGE10]), statistics.median(wall[PAGE1])
    verdict = "met" if page < TARGET_MS else "NOT met"
    print(
        f"\n10-year page / 1-year page: {page / one:.1f}x. Target < {TARGET_MS:.0f} ms "
        f"server-side: {verdict} (median {page:.1f} ms, p95 {quantile(wall[PAGE10], 0.95):.1f} "
        f"ms, CPU {statistics.median(cpu[PAGE10]):.1f} ms)."
    )
    if result["profile"]:
        print("\n<details><summary>cProfile of 10 page renders</summary>\n\n```text")
        print(result["profile"].strip())
        print("```\n</details>")


# --------------------------------------------------------------------------------- 2. API load
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux ``/proc``), or NaN."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of every ``postgres`` process on the machine, by pid (Linux ``/proc``)."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "postgres":
                value = cpu_seconds(int(entry.name))
                if value == value:  # NaN: the process has just ended
                    found[int(entry.name)] = value
        except OSError:
            continue
    return found


@dataclass
class Client:
    """One simulated user: its own connection, cookie and CSRF token, and its patient."""

    http: httpx.AsyncClient
    csrf: str
    patient_id: int
    turn: int = 0


@dataclass
class Run:
    """The requests of one measured run."""

    workload: str
    clients: int
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    server_cpu: float = float("nan")
    client_cpu: float = float("nan")
    postgres_cpu: float = float("nan")

    @property
    def all_latencies(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]


MIX = ("patient", "assessments", "patient", "diary", "assessments")
"""Each client's cycle: 40 % GET patient, 40 % GET assessments, 20 % POST diary."""


async def one_request(client: Client, workload: str, day: dt.date) -> tuple[str, httpx.Response]:
    pid = client.patient_id
    if workload == "healthz":
        return "healthz", await client.http.get("/healthz")
    kind = MIX[client.turn % len(MIX)]
    client.turn += 1
    if kind == "patient":
        return kind, await client.http.get(f"/api/v1/patients/{pid}")
    if kind == "assessments":
        return kind, await client.http.get(f"/api/v1/patients/{pid}/assessments")
    body = {
        "date": day.isoformat(),
        "severity_0_10": client.turn % 11,
        "pain_0_10": (client.turn * 7) % 11,
    }
    return kind, await client.http.post(
        f"/api/v1/patients/{pid}/diary", json=body, headers={"X-CSRF-Token": client.csrf}
    )


async def drive(
    clients: list[Client],
    workload: str,
    settings: Settings,
    server_pid: int,
    *,
    postgres: bool,
) -> Run:
    """Every client loops on the workload; requests started and finished in the measured
    window count (the warm-up before it is thrown away)."""
    run = Run(workload, len(clients), settings.measure_s)
    loop = asyncio.get_running_loop()
    t_measure = loop.time() + settings.warmup_s
    t_stop = t_measure + settings.measure_s
    today = dt.date.today()

    async def worker(client: Client) -> None:
        n = 0
        while loop.time() < t_stop:
            n += 1
            day = today - dt.timedelta(days=n % 700)
            began = loop.time()
            try:
                kind, resp = await one_request(client, workload, day)
                ok, reason = resp.status_code < 400, f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                kind, ok, reason = "error", False, type(exc).__name__
            done = loop.time()
            if began < t_measure or done > t_stop:
                continue
            if ok:
                run.latencies.setdefault(kind, []).append((done - began) * 1000.0)
            else:
                run.errors[f"{kind}: {reason}"] += 1

    async def meter() -> None:
        await asyncio.sleep(max(0.0, t_measure - loop.time()))
        server, client = cpu_seconds(server_pid), time.process_time()
        pg = postgres_cpu() if postgres else {}
        await asyncio.sleep(max(0.0, t_stop - loop.time()))
        run.server_cpu = (cpu_seconds(server_pid) - server) / settings.measure_s
        run.client_cpu = (time.process_time() - client) / settings.measure_s
        if postgres:  # processes that ended in the window are missed (the pool keeps them)
            after = postgres_cpu()
            run.postgres_cpu = (
                sum(v - pg.get(k, 0.0) for k, v in after.items()) / settings.measure_s
            )

    await asyncio.gather(meter(), *(worker(c) for c in clients))
    return run


# ``--audit-what-if``: the same server with the audit append patched out. An experiment that
# prices the audit chain; not a mode the product has.
NO_AUDIT_LAUNCHER = (
    "import sys\n"
    "from dystonia.records import service\n"
    "service.append_event = lambda *args, **kwargs: None\n"
    "from dystonia.cli import main\n"
    "main(sys.argv[1:])\n"
)


def start_server(
    url: str, tmp: Path, *, no_audit: bool = False
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """``dystonia serve`` on a free loopback port; waits for ``/healthz``."""
    port = free_port()
    log = tmp / f"server-{port}.log"
    env = {
        **os.environ,
        "DYSTONIA_DATABASE_URL": url,
        "DYSTONIA_AUDIT_KEY": KEY.hex(),
        "DYSTONIA_DATA_DIR": str(tmp / "data"),
    }
    entry = ["-c", NO_AUDIT_LAUNCHER] if no_audit else ["-m", "dystonia"]
    cmd = [sys.executable, *entry, "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base, log
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"server did not answer in 90 s:\n{log.read_text()}")


async def sign_in_all(base: str, patients: list[int], n: int) -> tuple[list[Client], float]:
    """``n`` clients, each with its own connection and session (two sign-ins at a time:
    argon2id with the production parameters takes ~0.25 s and 64 MiB each)."""
    gate = asyncio.Semaphore(2)
    timeout = httpx.Timeout(120.0)

    async def one(i: int) -> Client:
        http = httpx.AsyncClient(
            base_url=base, timeout=timeout, limits=httpx.Limits(max_connections=1)
        )
        async with gate:
            r = await http.post(
                "/api/v1/auth/login", json={"username": CLINICIAN, "password": PASSWORD}
            )
        r.raise_for_status()
        return Client(http, r.json()["csrf_token"], patients[i % len(patients)], turn=i)

    start = time.perf_counter()
    clients = await asyncio.gather(*(one(i) for i in range(n)))
    return list(clients), time.perf_counter() - start


async def api_benchmark(
    backend: str,
    url: str,
    settings: Settings,
    tmp: Path,
    *,
    workloads: tuple[str, ...] = ("healthz", "mix"),
    no_audit: bool = False,
) -> dict[str, Any]:
    """A fresh world, the server on it, the clients signed in, then every level x workload."""
    world = build_world(url, patients=settings.patients, history_years=())
    plain: list[int] = world["plain"]
    world["db"].dispose()
    proc, base, log = start_server(url, tmp, no_audit=no_audit)
    runs: list[Run] = []
    try:
        clients, login_s = await sign_in_all(base, plain, max(settings.levels))
        try:
            for level in settings.levels:
                for workload in workloads:
                    runs.append(
                        await drive(
                            clients[:level],
                            workload,
                            settings,
                            proc.pid,
                            postgres=backend == "postgresql",
                        )
                    )
        finally:
            for c in clients:
                await c.http.aclose()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    db = Database(url)
    report = Records(db, key=KEY).verify_audit()  # still one intact chain after the load
    db.dispose()
    return {
        "backend": backend,
        "runs": runs,
        "login_s": login_s,
        "n_logins": max(settings.levels),
        "server_log": log.read_text(errors="replace"),
        "audit": report.message(),
        "loadavg": os.getloadavg(),
    }


def _cpu(value: float) -> str:
    return "-" if value != value else f"{value:.0%}"


def _per_request(share: float, seconds: float, n: int) -> str:
    """CPU milliseconds per request: what the machine's other load cannot inflate much."""
    return "-" if share != share or not n else f"{share * seconds * 1000.0 / n:.1f}"


def print_api(result: dict[str, Any], what_if: dict[str, Any] | None = None) -> None:
    runs: list[Run] = result["runs"]
    extra = {run.clients: run for run in (what_if["runs"] if what_if else [])}
    print(
        f"\n### API load, {result['backend']} "
        f"(`dystonia serve`: one uvicorn process; {runs[0].seconds:g} s measured per row)\n"
    )
    rows = []
    base_rps: dict[int, float] = {}
    labelled = []
    for run in runs:
        labelled.append(
            (run, "`GET /healthz` (baseline)" if run.workload == "healthz" else "API mix")
        )
        if run.workload == "mix" and run.clients in extra:
            labelled.append((extra[run.clients], "API mix, audit patched out (what-if)"))
    for run, what in labelled:
        lat = run.all_latencies
        rps = len(lat) / run.seconds
        if run.workload == "healthz":
            base_rps[run.clients] = rps
        ratio = base_rps.get(run.clients, float("nan")) / rps if rps else float("nan")
        rows.append(
            [
                str(run.clients),
                what,
                f"{rps:,.0f}",
                f"{quantile(lat, 0.5):.1f}",
                f"{quantile(lat, 0.99):.1f}",
                str(sum(run.errors.values())),
                "1" if run.workload == "healthz" else f"{ratio:.1f}x",
                _cpu(run.server_cpu),
                _per_request(run.server_cpu, run.seconds, len(lat)),
                _cpu(run.postgres_cpu),
                _per_request(run.postgres_cpu, run.seconds, len(lat)),
                _cpu(run.client_cpu),
            ]
        )
    print(
        table(
            [
                "clients",
                "requests",
                "req/s",
                "p50 ms",
                "p99 ms",
                "errors",
                "healthz req/s / this",
                "server CPU",
                "server CPU ms/req",
                "postgres CPU",
                "postgres CPU ms/req",
                "client CPU",
            ],
            rows,
        )
    )
    print("\nAPI mix by request, p50 / p99 ms:\n")
    rows = []
    for run, what in labelled:
        if run.workload != "mix":
            continue
        cells = [str(run.clients), what]
        for kind in ("patient", "assessments", "diary"):
            values = run.latencies.get(kind, [])
            cells.append(f"{quantile(values, 0.5):.1f} / {quantile(values, 0.99):.1f}")
        rows.append(cells)
    print(
        table(
            [
                "clients",
                "server",
                "`GET /api/v1/patients/{id}`",
                "`GET .../assessments`",
                "`POST .../diary`",
            ],
            rows,
        )
    )
    print(
        f"\n{result['n_logins']} sign-ins (argon2id, production parameters, two at a time): "
        f"{result['login_s']:.1f} s, not measured. {result['audit']}. Load average at the end: "
        + " ".join(f"{x:.1f}" for x in result["loadavg"])
        + "."
    )
    errors = Counter[str]()
    for res in (result, what_if):
        for run in res["runs"] if res else []:
            for k, v in run.errors.items():
                errors[f"{run.workload} x{run.clients} {k}"] += v
    if errors:
        print("Errors: " + "; ".join(f"{k}: {v}" for k, v in sorted(errors.items())))
    logs = result["server_log"] + (what_if["server_log"] if what_if else "")
    suspicious = [
        line
        for line in logs.splitlines()
        if any(w in line for w in ("Error", "error", "Traceback", "unexpected", "locked"))
    ]
    if suspicious:
        print("Server log (errors):\n```text\n" + "\n".join(suspicious[:40]) + "\n```")
    else:
        print("Server log: no errors.")


# --------------------------------------------------------------------------------- main
def environment(pg_version: str | None) -> str:
    import fastapi
    import sqlalchemy
    import uvicorn

    loadavg = " ".join(f"{x:.1f}" for x in os.getloadavg())
    parts = [
        f"{dt.date.today().isoformat()}",
        f"Python {platform.python_version()}",
        f"{os.cpu_count()} CPUs (client, server and PostgreSQL share them)",
        f"load average at start {loadavg}",
        f"FastAPI {fastapi.__version__}, uvicorn {uvicorn.__version__}, "
        f"SQLAlchemy {sqlalchemy.__version__}",
    ]
    if pg_version:
        parts.append(f"PostgreSQL {pg_version}")
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (sanity check)")
    parser.add_argument("--part", choices=("page", "api", "all"), default="all")
    parser.add_argument(
        "--backends",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (skipped with a note when unreachable)",
    )
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="a database the role may CREATE from")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the page")
    parser.add_argument("--seconds", type=float, help="measured seconds per API row")
    parser.add_argument(
        "--audit-what-if",
        action="store_true",
        help="also run the API mix on a server with the audit append patched out (experiment)",
    )
    args = parser.parse_args()
    settings = (
        Settings(page_requests=10, levels=(1, 10, 50), warmup_s=0.5, measure_s=2.0, patients=10)
        if args.quick
        else Settings(
            page_requests=50, levels=(1, 10, 50), warmup_s=1.0, measure_s=8.0, patients=50
        )
    )
    if args.seconds:
        settings.measure_s = args.seconds
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in backends:
        if b not in ("sqlite", "postgresql"):
            parser.error(f"unknown backend {b!r}")
    pg_version = None
    if "postgresql" in backends:
        pg_version = postgres_available(args.pg_url)
        if pg_version is None:
            safe = make_url(args.pg_url).render_as_string(hide_password=True)
            print(f"note: PostgreSQL at {safe} unreachable (bash tools/postgres-up.sh); skipped")
            backends.remove("postgresql")
    started = time.perf_counter()
    print(f"## bench_web {'--quick ' if args.quick else ''}({environment(pg_version)})")
    with tempfile.TemporaryDirectory(prefix="dw-bench-web-") as tmp_name:
        tmp = Path(tmp_name)
        if args.part in ("page", "all"):
            for backend in backends:
                with scratch_database(backend, args.pg_url, tmp) as scratch:
                    print_page(
                        asyncio.run(
                            page_benchmark(backend, scratch.url, settings, profile=args.profile)
                        )
                    )
        if args.part in ("api", "all"):
            for backend in backends:
                with scratch_database(backend, args.pg_url, tmp) as scratch:
                    result = asyncio.run(api_benchmark(backend, scratch.url, settings, tmp))
                what_if = None
                if args.audit_what_if:
                    with scratch_database(backend, args.pg_url, tmp) as scratch:
                        what_if = asyncio.run(
                            api_benchmark(
                                backend,
                                scratch.url,
                                settings,
                                tmp,
                                workloads=("mix",),
                                no_audit=True,
                            )
                        )
                print_api(result, what_if)
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
