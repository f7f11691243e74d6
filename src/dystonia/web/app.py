"""The application factory: :func:`create_app`, and the strict JSON bodies of the API.

Every JSON body the API parses is standard JSON (RFC 8259): Python's ``json`` also reads
``NaN``, ``Infinity``, numbers beyond a double (``1e999``) and lone surrogates (``"\\ud800"``),
which can be neither stored nor answered; :class:`StrictJsonRoute` refuses them with a 422 that
says what is allowed. Error answers are rendered by :class:`SafeJSONResponse`, which cannot fail
on the rejected value it describes.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from dystonia.exceptions import DystoniaError, InvalidInputError
from dystonia.records.db import Database, DatabaseUnavailableError
from dystonia.records.policy import AccessDeniedError, NotFoundError
from dystonia.records.service import Records
from dystonia.web.deps import LoginRequiredError
from dystonia.web.security import LoginThrottle, SecurityHeadersMiddleware

__all__ = [
    "STANDARD_JSON",
    "STATIC",
    "TEMPLATES",
    "SafeJSONResponse",
    "StrictJsonRequest",
    "StrictJsonRoute",
    "create_app",
    "strict_json_loads",
]

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"

log = logging.getLogger("dystonia.web")

#: What a JSON request body may hold, as the 422 answer names it.
STANDARD_JSON = (
    "standard JSON (RFC 8259): finite numbers within the range of a double (about 1.8e308), "
    "no NaN or Infinity, text without lone surrogates (U+D800-U+DFFF)"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_DOUBLE_MAX = int(sys.float_info.max)
_DOUBLE_MAX_DIGITS = len(str(_DOUBLE_MAX))
_SHOWN = 40


# ------------------------------------------------------------------------------ strict bodies
def _clip(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _refused(value: str, reason: str) -> InvalidInputError:
    return InvalidInputError("body", value, reason=reason, allowed=STANDARD_JSON)


def _no_constant(name: str) -> Any:
    raise _refused(name, f"{name} is not standard JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _refused(_clip(text), f"the number {_clip(text)} is beyond the range of a double")
    return value


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > _DOUBLE_MAX_DIGITS or abs(value := int(text)) > _DOUBLE_MAX:
        shown = f"an integer of {digits} digits"
        raise _refused(shown, f"{shown} is beyond the range of a double")
    return value


def _first_surrogate(value: Any) -> str | None:
    """The first text (key or value) of parsed JSON that holds a lone surrogate."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if not node.isascii() and _SURROGATE.search(node):
                return node
        elif isinstance(node, dict):
            for key, item in reversed(node.items()):
                stack += (item, key)
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return None


def strict_json_loads(body: bytes | str) -> Any:
    """Parse a request body as standard JSON (RFC 8259).

    Parameters
    ----------
    body : bytes or str
        The body (UTF-8, -16 or -32, as :func:`json.loads` detects).

    Raises
    ------
    InvalidInputError
        Field ``body``: ``NaN``, ``Infinity`` or ``-Infinity``; a number beyond the range of a
        double (``1e999``, an integer of 400 digits); text with a lone surrogate. The message
        names :data:`STANDARD_JSON`.
    ValueError
        Not JSON at all (:class:`json.JSONDecodeError`, undecodable bytes); RecursionError when
        nested too deeply. The API answers these as FastAPI does (422 or 400).
    """
    data = json.loads(
        body, parse_constant=_no_constant, parse_float=_finite_float, parse_int=_bounded_int
    )
    text = _first_surrogate(data)
    if text is not None:
        shown = repr(_clip(text))  # repr escapes the surrogate: the message stays UTF-8
        raise _refused(shown, f"the text {shown} holds a lone surrogate (not Unicode text)")
    return data


def _declares_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class StrictJsonRequest(Request):
    """A request whose JSON body is read by :func:`strict_json_loads`."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = strict_json_loads(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """An API route that refuses non-standard JSON bodies with a 422 (:data:`STANDARD_JSON`).

    The body is parsed once, strictly, before FastAPI reads it; a body that is not JSON at all
    is left to FastAPI (422 ``json_invalid``, or 400 when it cannot be decoded).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        field = self.body_field
        reads_json = field is not None and not isinstance(field.field_info, params.Form)

        async def strict_handler(request: Request) -> Response:
            request = StrictJsonRequest(request.scope, request.receive)
            if reads_json and _declares_json(request.headers.get("content-type")):
                try:
                    await request.json()
                except InvalidInputError:
                    raise
                except Exception:  # not JSON at all: FastAPI answers it (422 or 400)
                    pass
            return await handler(request)

        return strict_handler


# ------------------------------------------------------------------------------ safe answers
def _renderable(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON that can always be sent: non-finite floats and huge integers as
    short text, lone surrogates replaced by U+FFFD, nothing deeper than 16 levels."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if not value.isascii() else value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, int):
        if value.bit_length() <= 1024:
            return value
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    if depth >= 16:
        return "..."
    if isinstance(value, dict):
        return {str(_renderable(k, depth + 1)): _renderable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_renderable(v, depth + 1) for v in value]
    try:
        text = repr(value)
    except Exception:  # a value whose repr fails is named by its type
        text = type(value).__name__
    return _renderable(_clip(text), depth + 1)


def _shown_value(value: Any) -> Any:
    """The rejected value as a 422 answer may repeat it: short text or a plain number."""
    if isinstance(value, str):
        return _clip(value)
    if isinstance(value, bool) or (isinstance(value, int) and value.bit_length() <= 64):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return None


class SafeJSONResponse(JSONResponse):
    """A JSON answer that renders any content (see :func:`_renderable`); used for errors."""

    def render(self, content: Any) -> bytes:
        return super().render(_renderable(content))


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _validation_body(exc: RequestValidationError) -> dict[str, Any]:
    detail = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        msg = str(err.get("msg", "invalid"))
        reason = (err.get("ctx") or {}).get("error")
        if err.get("type") == "json_invalid" and isinstance(reason, str):
            msg = f"{msg}: {reason}"  # FastAPI keeps json's own words in ctx
        detail.append(
            {
                "loc": loc,
                "msg": msg,
                "type": err.get("type", "value_error"),
                "field": ".".join(x for x in loc if x not in ("body", "query", "path")),
                "message": msg,
            }
        )
    return {"detail": detail}


def _allowed_methods(app: FastAPI, request: Request) -> str:
    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def invalid_input_body(exc: InvalidInputError) -> dict[str, Any]:
    """One 422 detail item: FastAPI's shape (loc, msg, type) plus field, value, allowed."""
    loc: list[str] = ["body", *exc.field.replace("[", ".").replace("]", "").split(".")]
    if loc[1:] == ["body"]:  # the body as a whole (strict_json_loads)
        loc = ["body"]
    item = {"loc": loc, "msg": str(exc), "type": "value_error", **exc.as_dict()}
    return {**item, "value": _shown_value(exc.value)}


def create_app(
    records: Records | None = None,
    *,
    database_url: str | None = None,
    secure_cookies: bool | None = None,
) -> FastAPI:
    """Build the web application.

    Parameters
    ----------
    records : Records, optional
        The records service; default: a :class:`Records` on ``database_url`` (migrated).
    database_url : str, optional
        Used when ``records`` is not given; default ``DYSTONIA_DATABASE_URL`` or embedded SQLite.
    secure_cookies : bool, optional
        Mark cookies ``Secure`` (HTTPS deployments). Default: ``DYSTONIA_SECURE_COOKIES=1``.
    """
    if records is None:
        db = Database(database_url)
        db.migrate()
        records = Records(db)
    if secure_cookies is None:
        secure_cookies = os.environ.get("DYSTONIA_SECURE_COOKIES", "") == "1"

    app = FastAPI(
        title="Dystonia Workbench",
        version=_version(),
        description=(
            "Clinic records, assessment and measurement for dystonia. The JSON API of "
            "contracts/api.md. The product supports clinical decisions; it does not make them."
        ),
        docs_url=None,
        redoc_url=None,
    )
    app.state.records = records
    app.state.secure_cookies = secure_cookies
    app.state.login_throttle = LoginThrottle()
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.globals["version"] = _version()
    templates.env.filters["product"] = product_label
    templates.env.filters["fmt"] = format_number
    app.state.templates = templates
    app.add_middleware(SecurityHeadersMiddleware, secure=secure_cookies)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/healthz", tags=["ops"], responses={503: {"description": "database unavailable"}})
    def healthz() -> JSONResponse:
        """200 when the database answers."""
        if records.db.ping():
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unavailable"}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def _on_validation(request: Request, exc: RequestValidationError) -> Response:
        return SafeJSONResponse(_validation_body(exc), status_code=422)

    @app.exception_handler(InvalidInputError)
    async def _on_invalid(request: Request, exc: InvalidInputError) -> Response:
        return SafeJSONResponse({"detail": [invalid_input_body(exc)]}, status_code=422)

    @app.exception_handler(NotFoundError)
    async def _on_not_found(request: Request, exc: NotFoundError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "not found"}, status_code=404)
        return _error_page(request, 404, "Not found", "There is no such page or record.")

    @app.exception_handler(AccessDeniedError)
    async def _on_denied(request: Request, exc: AccessDeniedError) -> Response:
        if _is_api(request):
            return SafeJSONResponse({"detail": str(exc)}, status_code=403)
        return _error_page(request, 403, "Not allowed", str(exc))

    @app.exception_handler(DatabaseUnavailableError)
    async def _on_db(request: Request, exc: DatabaseUnavailableError) -> Response:
        log.error("database unavailable")
        return JSONResponse({"detail": "database unavailable"}, status_code=503)

    @app.exception_handler(DystoniaError)
    async def _on_dystonia(request: Request, exc: DystoniaError) -> Response:
        item = {"loc": ["body"], "msg": str(exc), "type": "value_error", "field": None}
        return SafeJSONResponse({"detail": [{**item, "message": str(exc)}]}, status_code=422)

    @app.exception_handler(LoginRequiredError)
    async def _on_login(request: Request, exc: LoginRequiredError) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:  # list every method of the path, not only the first route's
            allow = _allowed_methods(app, request)
            return JSONResponse(
                {"detail": "method not allowed"}, status_code=405, headers={"Allow": allow}
            )
        if _is_api(request) or exc.status_code < 400:
            return SafeJSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        return _error_page(request, exc.status_code, "Request refused", str(exc.detail))

    @app.exception_handler(Exception)
    async def _on_crash(request: Request, exc: Exception) -> Response:
        # No patient data, no traceback to the client; the type only in the server log.
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    def _error_page(request: Request, status: int, title: str, message: str) -> Response:
        return templates.TemplateResponse(
            request,
            "error.html",
            {"title": title, "message": message, "status": status, "user": None, "flash": []},
            status_code=status,
        )

    from dystonia.web.api import router as api_router
    from dystonia.web.pages import router as pages_router

    app.include_router(api_router)
    app.include_router(pages_router)
    return app


def format_number(value: object, spec: str = "%g") -> str:
    """``spec % value`` for numbers; an em dash for a missing or non-numeric value."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "\u2014"
    return spec % value


def product_label(product_id: str) -> str:
    """A toxin product id as clinicians read it: ``onabotulinumtoxinA (Botox)``."""
    from dystonia.knowledge import botulinum

    return botulinum().display_name(product_id)


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("dystonia-workbench")
    except Exception:  # pragma: no cover - running from a source tree without metadata
        return "0+unknown"
