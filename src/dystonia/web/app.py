"""The application factory: :func:`create_app`."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
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

__all__ = ["STATIC", "TEMPLATES", "create_app"]

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"

log = logging.getLogger("dystonia.web")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _validation_body(exc: RequestValidationError) -> dict[str, Any]:
    detail = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        detail.append(
            {
                "loc": loc,
                "msg": err.get("msg", "invalid"),
                "type": err.get("type", "value_error"),
                "field": ".".join(x for x in loc if x not in ("body", "query", "path")),
                "message": err.get("msg", "invalid"),
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
    return {"loc": loc, "msg": str(exc), "type": "value_error", **exc.as_dict()}


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
        return JSONResponse(_validation_body(exc), status_code=422)

    @app.exception_handler(InvalidInputError)
    async def _on_invalid(request: Request, exc: InvalidInputError) -> Response:
        return JSONResponse({"detail": [invalid_input_body(exc)]}, status_code=422)

    @app.exception_handler(NotFoundError)
    async def _on_not_found(request: Request, exc: NotFoundError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "not found"}, status_code=404)
        return _error_page(request, 404, "Not found", "There is no such page or record.")

    @app.exception_handler(AccessDeniedError)
    async def _on_denied(request: Request, exc: AccessDeniedError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=403)
        return _error_page(request, 403, "Not allowed", str(exc))

    @app.exception_handler(DatabaseUnavailableError)
    async def _on_db(request: Request, exc: DatabaseUnavailableError) -> Response:
        log.error("database unavailable")
        return JSONResponse({"detail": "database unavailable"}, status_code=503)

    @app.exception_handler(DystoniaError)
    async def _on_dystonia(request: Request, exc: DystoniaError) -> Response:
        item = {"loc": ["body"], "msg": str(exc), "type": "value_error", "field": None}
        return JSONResponse({"detail": [{**item, "message": str(exc)}]}, status_code=422)

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
            return JSONResponse(
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

    found = botulinum().product(product_id)
    return found.display if found else product_id


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("dystonia-workbench")
    except Exception:  # pragma: no cover - running from a source tree without metadata
        return "0+unknown"
