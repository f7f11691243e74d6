"""Request dependencies: the records service, the signed-in user, CSRF checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from dystonia.records.accounts import SessionInfo
from dystonia.records.service import Records
from dystonia.web.security import SESSION_COOKIE, tokens_match

__all__ = [
    "ApiUser",
    "LoginRequiredError",
    "PageUser",
    "RecordsDep",
    "client_ip",
    "current_session",
    "require_csrf_header",
]

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class LoginRequiredError(Exception):
    """A page needs a signed-in user: the app redirects to the sign-in page."""


def get_records(request: Request) -> Records:
    """The app's records service."""
    records: Records = request.app.state.records
    return records


RecordsDep = Annotated[Records, Depends(get_records)]


def client_ip(request: Request) -> str | None:
    """The client's address (the direct peer; no proxy header is trusted by default)."""
    return request.client.host if request.client else None


def current_session(request: Request, records: RecordsDep) -> SessionInfo | None:
    """The live session of the request's cookie, or None (cached on the request)."""
    if hasattr(request.state, "session_info"):
        cached: SessionInfo | None = request.state.session_info
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    info = records.session(token, ip=client_ip(request)) if token else None
    request.state.session_info = info
    return info


def _api_user(request: Request, records: RecordsDep) -> SessionInfo:
    info = current_session(request, records)
    if info is None:
        raise HTTPException(status_code=401, detail="sign in first")
    if request.method in UNSAFE and not tokens_match(
        info.csrf_token, request.headers.get("x-csrf-token")
    ):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    return info


def require_csrf_header(request: Request, info: SessionInfo) -> None:
    """Refuse an unsafe request whose X-CSRF-Token header is not the session's."""
    if request.method in UNSAFE and not tokens_match(
        info.csrf_token, request.headers.get("x-csrf-token")
    ):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")


async def _page_user(request: Request, records: RecordsDep) -> SessionInfo:
    info = current_session(request, records)
    if info is None:
        raise LoginRequiredError()
    if request.method in UNSAFE:
        given = request.headers.get("x-csrf-token")
        if not given:
            form = await request.form()
            value = form.get("csrf_token")
            given = value if isinstance(value, str) else None
        if not tokens_match(info.csrf_token, given):
            raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    return info


ApiUser = Annotated[SessionInfo, Depends(_api_user)]
PageUser = Annotated[SessionInfo, Depends(_page_user)]
