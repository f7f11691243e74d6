"""Second factor over HTTP: the account page, the sign-in form and API, the admin's reset."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

from tests.web.conftest import PASSWORDS  # type: ignore[import-not-found]

from dystonia.records import totp
from dystonia.records.service import SYSTEM

FAILED = "Wrong username, password or authenticator code."


def _code(secret_b32: str, offset_steps: int = 0) -> str:
    secret = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    return totp.hotp(secret, totp.step_at(time.time()) + offset_steps)


def _enrol(client: Any, username: str = "clin") -> str:
    """Turn the second factor on through the account page; the key shown there."""
    page = client.post("/account/2fa/begin", data={"password": PASSWORDS[username]})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    found = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page.text)
    assert found, page.text
    secret = found.group(1)
    assert f"secret={secret}" in page.text  # the otpauth link carries the same key
    done = client.post("/account/2fa/confirm", data={"code": _code(secret)})
    assert done.status_code == 200 and "Two-step sign-in is on" in done.text
    return secret


def test_account_page_turns_two_step_sign_in_on(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client("clin")
    page = c.get("/account")
    assert page.status_code == 200 and 'data-testid="totp-state">Off' in page.text
    secret = _enrol(c)
    assert 'data-testid="totp-state">On' in c.get("/account").text
    assert secret not in c.get("/account").text  # the key is shown only while setting up
    # the session that turned it on goes on; a new sign-in needs the code
    assert c.get("/patients").status_code == 200
    api = site.client()
    body = {"username": "clin", "password": PASSWORDS["clin"]}
    r = api.post("/api/v1/auth/login", json=body)
    assert r.status_code == 401 and r.json() == {"detail": FAILED.lower()}
    wrong = api.post("/api/v1/auth/login", json={"username": "clin", "password": "nope nope"})
    assert wrong.json() == r.json()  # nothing tells which part was wrong
    ok = api.post("/api/v1/auth/login", json={**body, "otp": _code(secret, 1)})
    assert ok.status_code == 200 and ok.json()["username"] == "clin"


def test_a_mistyped_code_shows_the_same_key_again(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client("clin")
    begun = c.post("/account/2fa/begin", data={"password": PASSWORDS["clin"]})
    first = re.search(r'totp-secret">([A-Z2-7]+)<', begun.text)
    assert first
    valid = {_code(first.group(1), k) for k in (-1, 0, 1)}
    wrong = next(x for x in ("000000", "111111", "222222", "333333") if x not in valid)
    r = c.post("/account/2fa/confirm", data={"code": wrong})
    assert r.status_code == 422 and "does not match" in r.text and wrong not in r.text
    assert f'totp-secret">{first.group(1)}<' in r.text
    assert 'data-testid="totp-state">Off' in c.get("/account").text


def test_sign_in_form_takes_the_code(site) -> None:  # type: ignore[no-untyped-def]
    secret = _enrol(site.client("clin"))
    c = site.client()
    login = c.get("/login")
    assert 'name="otp"' in login.text and 'autocomplete="one-time-code"' in login.text
    prelogin = re.search(r'name="prelogin" value="([^"]+)"', login.text)
    assert prelogin
    form = {"prelogin": prelogin.group(1), "username": "clin", "password": PASSWORDS["clin"]}
    r = c.post("/login", data=form, follow_redirects=False)
    assert r.status_code == 401 and FAILED in r.text
    prelogin = re.search(r'name="prelogin" value="([^"]+)"', r.text)
    assert prelogin
    form["prelogin"] = prelogin.group(1)
    r = c.post("/login", data={**form, "otp": _code(secret, 1)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/patients"


def test_turning_off_from_the_account_page(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client("pat")  # patients protect their portal the same way
    secret = _enrol(c, "pat")
    r = c.post("/account/2fa/disable", data={"password": "wrong", "code": _code(secret, 1)})
    assert r.status_code == 422 and "password or code is wrong" in r.text
    r = c.post(
        "/account/2fa/disable", data={"password": PASSWORDS["pat"], "code": _code(secret, 1)}
    )
    assert r.status_code == 200 and 'data-testid="totp-state">Off' in r.text


def test_admin_removes_a_second_factor_from_the_users_page(site) -> None:  # type: ignore[no-untyped-def]
    _enrol(site.client("clin"))
    admin = site.client("adm")
    users = admin.get("/admin/users").text
    assert 'data-testid="reset-2fa-clin"' in users
    clin_id = next(u["id"] for u in site.records.list_users(SYSTEM) if u["username"] == "clin")
    r = admin.post(f"/admin/users/{clin_id}/2fa/reset", follow_redirects=False)
    assert r.status_code == 303
    assert 'data-testid="reset-2fa-clin"' not in admin.get("/admin/users").text
    body = {"username": "clin", "password": PASSWORDS["clin"]}
    assert site.client().post("/api/v1/auth/login", json=body).status_code == 200
    # a clinician may not remove anyone's second factor
    other = site.client("clin2").post(f"/admin/users/{clin_id}/2fa/reset")
    assert other.status_code == 403


def test_account_pages_need_a_session_and_the_csrf_token(site) -> None:  # type: ignore[no-untyped-def]
    anonymous = site.client()
    assert anonymous.get("/account", follow_redirects=False).status_code in (303, 401)
    c = site.client("clin")
    del c.headers["X-CSRF-Token"]
    for path in ("/account/2fa/begin", "/account/2fa/confirm", "/account/2fa/disable"):
        assert c.post(path, data={"password": PASSWORDS["clin"]}).status_code == 403, path
    admin = site.client("adm")
    del admin.headers["X-CSRF-Token"]
    assert admin.post("/admin/users/1/2fa/reset").status_code == 403


def test_setting_up_needs_the_password(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client("clin")
    r = c.post("/account/2fa/begin", data={"password": "not it"})
    assert r.status_code == 422 and "password is wrong" in r.text
    assert "totp-secret" not in r.text
