"""Time-based one-time passwords (TOTP), the second factor of sign-in.

RFC 6238 over RFC 4226 HOTP with the parameters every authenticator app uses by default: HMAC-
SHA-1, 6 digits, 30-second steps, counted from the Unix epoch. A code is accepted one step
early or late (clock drift), and never twice: the last accepted step is stored and a code of
that step or an earlier one is refused (RFC 6238 section 5.2).

The shared secret is never stored. The database holds a random nonce per enrolment; the secret
is derived from it with the server's key, which lives outside the database
(:func:`dystonia.records.config.audit_key`): ``HMAC-SHA-256(key, "dystonia-totp-v1|" + user id
+ "|" + nonce)``, its first 20 bytes (160 bits, RFC 4226 section 4 R6). A copy of the database
alone cannot produce codes. A new enrolment draws a new nonce, so the old secret is gone.

References
----------
.. [1] M'Raihi D, Machani S, Pei M, Rydell J. TOTP: Time-Based One-Time Password Algorithm.
   RFC 6238, IETF, 2011.
.. [2] M'Raihi D, Bellare M, Hoornaert F, Naccache D, Ranen O. HOTP: An HMAC-Based One-Time
   Password Algorithm. RFC 4226, IETF, 2005.
.. [3] Google Authenticator, "Key Uri Format" (otpauth://totp/ISSUER:ACCOUNT?secret=...),
   the provisioning format authenticator apps read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import urllib.parse

__all__ = [
    "DIGITS",
    "STEP_S",
    "derive_secret",
    "hotp",
    "new_nonce",
    "provisioning_uri",
    "secret_base32",
    "step_at",
    "verify",
]

DIGITS = 6
"""Digits of a code."""
STEP_S = 30
"""Seconds per time step."""
DRIFT_STEPS = 1
"""Steps of clock drift accepted either way."""
ISSUER = "Dystonia Workbench"


def hotp(secret: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """The HOTP value of ``counter`` (RFC 4226 section 5.3: dynamic truncation), zero-padded."""
    mac = hmac.new(secret, counter.to_bytes(8, "big"), digest).digest()
    offset = mac[-1] & 0x0F
    code = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


def step_at(unix_s: float) -> int:
    """The time step of a moment (RFC 6238 section 4: T = floor((time - T0) / X), T0 = 0)."""
    return int(unix_s // STEP_S)


def verify(secret: bytes, code: str, unix_s: float, *, last_step: int | None) -> int | None:
    """The step at which ``code`` is valid near ``unix_s``, or None.

    Parameters
    ----------
    secret : bytes
        The shared secret.
    code : str
        What the user typed; spaces are ignored, anything but exactly :data:`DIGITS` digits
        is refused.
    unix_s : float
        Now, in seconds since the Unix epoch.
    last_step : int or None
        The step of the last code accepted for this secret: that step and earlier ones are
        refused, so a code cannot be replayed.

    Returns
    -------
    int or None
        The matched step (to be stored as the new ``last_step``), or None.
    """
    typed = "".join(str(code).split())
    if len(typed) != DIGITS or not typed.isascii() or not typed.isdigit():
        return None
    now = step_at(unix_s)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(hotp(secret, step), typed) and found is None:
            found = step
    return found


def new_nonce() -> str:
    """A fresh enrolment nonce: 128 random bits, hex."""
    return secrets.token_hex(16)


def derive_secret(key: bytes, user_id: int, nonce: str) -> bytes:
    """The shared secret of one enrolment: 20 bytes derived from the server key (see above)."""
    message = f"dystonia-totp-v1|{user_id}|{nonce}".encode()
    return hmac.new(key, message, hashlib.sha256).digest()[:20]


def secret_base32(secret: bytes) -> str:
    """The secret as authenticator apps take it typed in: RFC 4648 base32, no padding."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def provisioning_uri(secret: bytes, account: str) -> str:
    """The ``otpauth://`` URI of an enrolment, for an authenticator app ([3]_)."""
    label = urllib.parse.quote(f"{ISSUER}:{account}", safe="")
    query = urllib.parse.urlencode(
        {
            "secret": secret_base32(secret),
            "issuer": ISSUER,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_S,
        },
        quote_via=urllib.parse.quote,
    )
    return f"otpauth://totp/{label}?{query}"
