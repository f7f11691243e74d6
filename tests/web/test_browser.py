"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded browser).

The app runs in a uvicorn thread on a free loopback port against a fresh database. Screenshots
go to ``build/screenshots/`` (looked at by the developers; CI keeps them as artefacts).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("DYSTONIA_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(site: Any) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        if time.monotonic() > deadline:  # pragma: no cover - diagnostic
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (see .ci/run)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    # JavaScript errors and CSP violations; a 4xx page load is expected in some tests.
    pg.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.console_errors = errors
    yield pg
    context.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, server: str, username: str) -> None:
    from tests.web.conftest import PASSWORDS  # type: ignore[import-not-found]

    page.goto(f"{server}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def test_clinician_creates_patient_assesses_and_scores(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, "clin")
    expect(page).to_have_url(f"{server}/patients")
    expect(page.get_by_test_id("patient-table")).to_contain_text("Own Patient")
    expect(page.get_by_test_id("patient-table")).not_to_contain_text("Other Patient")
    shot(page, "01-patient-list")

    page.get_by_role("link", name="New patient").click()
    page.get_by_label("Name shown in the clinic").fill("Jordan Testcase")
    page.get_by_label("Year of birth").fill("1981")
    page.get_by_label("Sex").select_option("female")
    page.get_by_role("button", name="Create patient").click()
    expect(page.get_by_test_id("patient-name")).to_contain_text("Jordan Testcase")

    # findings in, classification with its reasons out
    page.get_by_role("link", name="New assessment").click()
    page.get_by_label("Age at onset").fill("45")
    page.get_by_role("group", name="Regions").get_by_label("neck").check()
    page.get_by_role("group", name="Cervical pattern").get_by_label("torticollis").check()
    page.get_by_label("Sensory trick").select_option("yes")
    page.get_by_role("button", name="Classify and save").click()
    expect(page.get_by_test_id("distribution")).to_have_text("focal")
    expect(page.get_by_test_id("classification")).to_contain_text("cervical")
    page.get_by_text("reasons, each with its rule and source").click()
    expect(page.get_by_test_id("rationale")).to_contain_text("Albanese")
    shot(page, "02-assessment")

    # bad input: a clear message next to the form, nothing stored
    page.get_by_label("Medications and tests (YAML)").fill("medications: [{name: haloperidol")
    page.get_by_role("button", name="Classify and save").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("not valid YAML")
    expect(page.get_by_label("Age at onset")).to_have_value("45")  # the form keeps its values

    # TWSTRS with a live total, then the plot on the patient page
    page.get_by_role("link", name="Jordan Testcase").click()
    page.get_by_role("link", name="Score TWSTRS").click()
    total = page.get_by_test_id("total-value")
    from dystonia.scales import get_scale

    for item in get_scale("twstrs").describe()["items"]:
        page.get_by_test_id(f"item_{item['id']}").select_option(str(min(2, item["max"])))
    expect(total).to_contain_text("/ 85")
    expect(page.get_by_test_id("scale-total")).to_contain_text("All 21 items rated")
    shot(page, "03-twstrs-form")
    page.get_by_role("button", name="Save scores").click()
    expect(page.get_by_test_id("patient-name")).to_contain_text("Jordan Testcase")
    chart = page.get_by_test_id("trajectory")
    expect(chart.locator("svg")).to_have_count(1)
    expect(chart).to_contain_text("TWSTRS")
    shot(page, "04-patient-page")

    # the clinical summary PDF, downloaded by the browser
    with page.expect_download() as download_info:
        page.get_by_test_id("summary-pdf").click()
    download = download_info.value
    assert download.suggested_filename.startswith("clinical-summary-")
    assert download.suggested_filename.endswith(".pdf")
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    import io

    from pypdf import PdfReader

    text = " ".join(pg.extract_text() for pg in PdfReader(io.BytesIO(pdf)).pages)
    assert "Jordan Testcase" in text and "TWSTRS" in text
    assert page.console_errors == []


def test_patient_logs_diary_and_cannot_see_others(page: Any, server: str, site: Any) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    sign_in(page, server, "pat")
    expect(page).to_have_url(f"{server}/me")
    page.get_by_role("link", name="Add today's diary entry").click()
    page.get_by_label("How strong were the symptoms?").fill("7")
    expect(page.locator("#severity-out")).to_have_text("7")
    page.get_by_label("Note (optional)").fill("Neck pulling more since Tuesday")
    shot(page, "05-diary-phone")
    page.get_by_role("button", name="Save today's entry").click()
    expect(page.get_by_test_id("diary-saved")).to_contain_text("severity 7/10")
    (entry,) = site.records.list_diary(_as_admin(site), site.own)
    assert entry["severity_0_10"] == 7 and entry["date"] == dt.date.today().isoformat()

    page.goto(f"{server}/me")
    expect(page.locator(".diary-list")).to_contain_text("Neck pulling more since Tuesday")
    shot(page, "06-portal-phone")

    response = page.goto(f"{server}/patients/{site.other}")
    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text("Other Patient")
    response = page.goto(f"{server}/api/v1/patients/{site.other}")
    assert response is not None and response.status == 404
    assert page.console_errors == []


def test_idle_session_is_signed_out(
    page: Any, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    from dystonia.records import accounts

    sign_in(page, server, "clin")
    expect(page).to_have_url(f"{server}/patients")
    monkeypatch.setattr(accounts, "IDLE_MINUTES", 0)
    time.sleep(0.05)
    page.goto(f"{server}/patients")
    expect(page).to_have_url(f"{server}/login")


def test_sign_out_from_the_menu(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, "clin")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{server}/login")
    page.goto(f"{server}/patients")
    expect(page).to_have_url(f"{server}/login")


def test_clinician_sets_up_two_step_sign_in_and_signs_in_with_a_code(
    page: Any, server: str
) -> None:
    import base64

    from playwright.sync_api import expect
    from tests.web.conftest import PASSWORDS  # type: ignore[import-not-found]

    from dystonia.records import totp

    def code(secret: str, offset: int = 0) -> str:
        raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
        return totp.hotp(raw, totp.step_at(time.time()) + offset)

    sign_in(page, server, "clin")
    page.get_by_role("link", name="clin", exact=True).click()
    expect(page.get_by_test_id("totp-state")).to_contain_text("Off")
    page.get_by_label("Password (to confirm it is you)").fill(PASSWORDS["clin"])
    page.get_by_role("button", name="Set up an authenticator app").click()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.get_by_label("Code from the app").fill(code(secret))
    shot(page, "07-two-step-setup")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_test_id("totp-state")).to_contain_text("On")
    page.get_by_role("button", name="Sign out").click()

    # password alone is not enough any more; with the code it is
    page.get_by_label("Username").fill("clin")
    page.get_by_label("Password").fill(PASSWORDS["clin"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("authenticator code")
    page.get_by_label("Username").fill("clin")
    page.get_by_label("Password").fill(PASSWORDS["clin"])
    page.get_by_label("Authenticator code").fill(code(secret, 1))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server}/patients")
    assert page.console_errors == []


def _as_admin(site: Any) -> Any:
    from dystonia.records.service import SYSTEM

    return SYSTEM


def test_patient_draws_a_spiral_and_sees_the_result(page: Any, server: str, site: Any) -> None:
    """Pointer events from Chromium's mouse, coalesced samples, CSRF header, analysis, result."""
    import math

    from playwright.sync_api import expect

    sign_in(page, server, "pat")
    page.get_by_role("link", name="Draw", exact=True).click()
    canvas = page.get_by_test_id("ink-canvas")
    box = canvas.bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    for i in range(1, 700):  # a 4-turn Archimedean spiral with a 6 Hz wobble
        theta = i / 700 * 4 * 2 * math.pi
        r = 6 * theta + 1.5 * math.sin(2 * math.pi * 6 * i / 100)
        page.mouse.move(cx + r * math.cos(theta), cy + r * math.sin(theta))
    page.mouse.up()
    shot(page, "07-drawing")
    page.get_by_role("button", name="Analyse and save").click()
    expect(page.get_by_test_id("ink-summary")).to_contain_text("spiral", timeout=30_000)
    shot(page, "08-drawing-result")
    (rec,) = site.records.overview(_as_admin(site), site.own)["recordings"]
    assert rec["format"] == "pointer-json" and rec["analysis"]["tasks"][0]["kind"] == "spiral"
    assert page.console_errors == []
