"""Sessions, CSRF and security headers of the web app.

* Session cookie ``dw_session``: opaque token, ``HttpOnly``, ``SameSite=Lax``, ``Secure`` unless
  the app runs on plain-HTTP loopback (ASVS v5.0.0-3.3.1, 7.2.3); the server keeps the session
  (idle and absolute timeouts, :mod:`dystonia.records.accounts`).
* CSRF: a synchronizer token bound to the session; every unsafe request authenticated by the
  cookie must carry it in the ``X-CSRF-Token`` header (htmx and API clients) or a
  ``csrf_token`` form field. The sign-in form uses a double-submit cookie.
* Headers: a strict Content-Security-Policy (no inline script or style), no sniffing, no
  framing, no referrer, no caching of pages with patient data.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.datastructures import MutableHeaders

__all__ = [
    "CSP",
    "LOGIN_FAILED",
    "PRELOGIN_COOKIE",
    "SESSION_COOKIE",
    "LoginThrottle",
    "SecurityHeadersMiddleware",
    "tokens_match",
]

#: The one message of every failed sign-in (unknown user, wrong password, wrong or missing
#: code, locked or disabled account): nothing tells which part was wrong.
LOGIN_FAILED = "Wrong username, password or authenticator code."

SESSION_COOKIE = "dw_session"
PRELOGIN_COOKIE = "dw_prelogin"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)

_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of two tokens; False when either is missing."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


class SecurityHeadersMiddleware:
    """Pure ASGI middleware adding the security headers to every HTTP response."""

    def __init__(self, app: Any, *, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if not static:
                    headers["Cache-Control"] = "no-store"
                if self.secure:
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LoginThrottle:
    """Slows repeated failed sign-ins from one address (ASVS v5.0.0-6.3.1 anti-automation).

    After :attr:`free` failures within :attr:`window_s`, each further attempt from that address
    waits ``0.25 s * 2**(extra failures)``, capped at :attr:`max_delay_s`. Accounts themselves
    are locked after repeated failures by :mod:`dystonia.records.accounts`. In memory, per
    process: a restart forgets it, which only helps the attacker by one window.
    """

    def __init__(self, *, free: int = 5, window_s: float = 900.0, max_delay_s: float = 4.0) -> None:
        import threading

        self.free, self.window_s, self.max_delay_s = free, window_s, max_delay_s
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(key, []) if now - t < self.window_s]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def delay_s(self, key: str | None) -> float:
        """How long the next attempt from ``key`` should wait."""
        import time

        if not key:
            return 0.0
        with self._lock:
            n = len(self._recent(key, time.monotonic()))
        extra = n - self.free
        return 0.0 if extra < 0 else min(self.max_delay_s, 0.25 * 2.0**extra)

    def failed(self, key: str | None) -> None:
        """Record a failed attempt."""
        import time

        if not key:
            return
        with self._lock:
            if len(self._failures) > 10_000:  # bounded memory under a spray of addresses
                self._failures.clear()
            self._failures.setdefault(key, []).append(time.monotonic())

    def succeeded(self, key: str | None) -> None:
        """Forget an address's failures after a successful sign-in."""
        if key:
            with self._lock:
                self._failures.pop(key, None)
