"""Server-rendered pages: sign-in, clinician pages, the patient portal and admin pages.

Routes are thin: they parse the form, call :class:`~dystonia.records.service.Records` (which
checks the policy and audits), and render a template. Bad input re-renders the form with the
message next to its field, and nothing is stored.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from dystonia.exceptions import DystoniaError, InvalidInputError
from dystonia.records.accounts import SessionInfo
from dystonia.records.service import Records
from dystonia.web import charts
from dystonia.web.app import product_label
from dystonia.web.deps import PageUser, RecordsDep, client_ip, current_session
from dystonia.web.forms import findings_fields, findings_from_form
from dystonia.web.security import LOGIN_FAILED, PRELOGIN_COOKIE, SESSION_COOKIE, tokens_match

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


# ---------------------------------------------------------------------------------- helpers
def render(
    request: Request,
    name: str,
    info: SessionInfo | None,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a template with the shared context (user, CSRF token, flash, navigation)."""
    templates = request.app.state.templates
    ctx = {
        "user": _user(info),
        "csrf_token": info.csrf_token if info else None,
        "flash": context.pop("flash", []),
        "nav_active": context.pop("nav_active", ""),
        **context,
    }
    response: HTMLResponse = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    return response


class _UserView:
    def __init__(self, info: SessionInfo) -> None:
        self.username = info.principal.username
        self.role = info.principal.role
        self.patient_id = info.principal.patient_id


def _user(info: SessionInfo | None) -> _UserView | None:
    return _UserView(info) if info else None


def _home(info: SessionInfo) -> str:
    return "/me" if info.principal.role == "patient" else "/patients"


def _s(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _redirect(url: str, request: Request) -> Response:
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def chart_for(overview: dict[str, Any], *, title: str, width_px: int = 960) -> Markup:
    """The trajectory chart (scores, toxin cycles, diary on one time axis) as inline SVG."""
    scores, toxin, diary = charts.series_from_overview(overview)
    svg = charts.trajectory_svg(
        scores=scores, toxin=toxin, diary=diary, title=title, width_px=width_px
    )
    return Markup(svg)  # built from escaped parts by dystonia.web.charts


def _timeline(overview: dict[str, Any]) -> list[dict[str, Any]]:
    """Visit-by-visit view: every dated record grouped by day, newest first."""
    days: dict[str, list[dict[str, Any]]] = {}

    def add(day: str | None, kind: str, row: dict[str, Any], text: str) -> None:
        if day:
            days.setdefault(day, []).append({"kind": kind, "row": row, "text": text})

    for a in overview["assessments"]:
        res = a["assessment"]
        add(a["assessed_on"], "assessment", a, _assessment_line(res))
    for r in overview["scales"]:
        add(r["rated_on"], "scale", r, f"{r['scale'].upper()} {r['total']:g} / {r['max']:g}")
    for t in overview["toxin"]:
        muscles = ", ".join(
            f"{i['muscle']} ({i['side']}) {i['units']:g} U" for i in t["injections"]
        )
        add(
            t["date"],
            "toxin",
            t,
            f"{product_label(t['product'])}: {t['total_units']:g} U. {muscles}",
        )
    for m in overview["medications"]:
        add(m["start_date"], "medication", m, f"Started {m['name']} {m['dose'] or ''}".strip())
    for rec in overview["recordings"]:
        add(rec["recorded_on"] or rec["created_at"][:10], "recording", rec, rec["filename"])
    for v in overview["visits"]:
        add(v["date"], "visit", v, v["note"] or v["kind"])
    return [{"day": d, "items": days[d]} for d in sorted(days, reverse=True)]


def _assessment_line(res: dict[str, Any]) -> str:
    parts = [str(res.get("distribution", "")).replace("_", " ")]
    forms = res.get("focal_forms") or []
    if forms:
        parts.append(", ".join(str(f).replace("_", " ") for f in forms))
    parts.append("isolated" if res.get("isolated") else "combined")
    et = res.get("etiology") or {}
    if isinstance(et, dict) and et.get("category"):
        parts.append(str(et["category"]).replace("_", " "))
    return "; ".join(p for p in parts if p)


# ---------------------------------------------------------------------------------- sign in
@router.get("/", response_class=HTMLResponse)
def index(request: Request, records: RecordsDep) -> Response:
    info = current_session(request, records)
    return RedirectResponse(_home(info) if info else "/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, records: RecordsDep) -> Response:
    info = current_session(request, records)
    if info:
        return RedirectResponse(_home(info), status_code=303)
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", None, {"title": "Sign in", "prelogin": token})
    response.set_cookie(
        PRELOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.secure_cookies,
    )
    return response


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request, records: RecordsDep) -> Response:
    form = await request.form()
    if not tokens_match(request.cookies.get(PRELOGIN_COOKIE), _s(form, "prelogin")):
        return RedirectResponse("/login", status_code=303)
    username, password = _s(form, "username") or "", _s(form, "password") or ""
    otp = (_s(form, "otp") or "").strip() or None
    throttle, ip = request.app.state.login_throttle, client_ip(request)
    await asyncio.sleep(throttle.delay_s(ip))
    result = await run_in_threadpool(
        records.sign_in, username.strip().lower(), password, otp=otp, ip=ip
    )
    if result is None:
        throttle.failed(ip)
        token = secrets.token_urlsafe(32)
        response = render(
            request,
            "login.html",
            None,
            {
                "title": "Sign in",
                "prelogin": token,
                "username": username,
                "error": LOGIN_FAILED,
            },
            status_code=401,
        )
        response.set_cookie(
            PRELOGIN_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.app.state.secure_cookies,
        )
        return response
    throttle.succeeded(ip)
    info, token = result
    done = RedirectResponse(_home(info), status_code=303)
    done.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.app.state.secure_cookies,
    )
    done.delete_cookie(PRELOGIN_COOKIE)
    return done


@router.post("/logout")
def logout(request: Request, info: PageUser, records: RecordsDep) -> Response:
    records.sign_out(request.cookies.get(SESSION_COOKIE, ""), info.principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# ---------------------------------------------------------------------------------- patients
@router.get("/patients", response_class=HTMLResponse)
def patients(
    request: Request, info: PageUser, records: RecordsDep, q: str | None = None
) -> Response:
    if info.principal.role == "patient":
        return RedirectResponse("/me", status_code=303)
    rows = records.list_patients(info.principal, q)
    ctx = {"title": "Patients", "patients": rows, "q": q or "", "nav_active": "patients"}
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "patient-rows":
        return render(request, "_patient_rows.html", info, ctx)
    return render(request, "patients.html", info, ctx)


@router.get("/patients/new", response_class=HTMLResponse)
def patient_new(request: Request, info: PageUser) -> Response:
    return render(
        request,
        "patient_new.html",
        info,
        {"title": "New patient", "form": {}, "errors": {}, "nav_active": "patients"},
    )


@router.post("/patients/new", response_class=HTMLResponse)
async def patient_create(request: Request, info: PageUser, records: RecordsDep) -> Response:
    form = await request.form()
    try:
        p = records.create_patient(
            info.principal,
            _s(form, "display_name") or "",
            birth_year=_s(form, "birth_year"),
            sex=_s(form, "sex"),
        )
    except InvalidInputError as exc:
        return render(
            request,
            "patient_new.html",
            info,
            {
                "title": "New patient",
                "form": dict(form),
                "errors": {exc.field: str(exc)},
                "nav_active": "patients",
            },
            status_code=422,
        )
    return _redirect(f"/patients/{p['id']}", request)


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(
    request: Request, patient_id: int, info: PageUser, records: RecordsDep
) -> Response:
    ov = records.overview(info.principal, patient_id)
    return render(request, "patient.html", info, _patient_context(ov, info))


def _patient_context(ov: dict[str, Any], info: SessionInfo) -> dict[str, Any]:
    from dystonia.scales import list_scales

    live = [a for a in ov["assessments"] if not a["voided"]]
    latest = max(live, key=lambda a: (a["assessed_on"], a["id"])) if live else None
    return {
        "title": ov["patient"]["display_name"],
        "ov": ov,
        "p": ov["patient"],
        "latest": latest,
        "chart": chart_for(
            ov, title=f"Trajectory of {ov['patient']['display_name']}", width_px=1100
        ),
        "timeline": _timeline(ov),
        "scales": list_scales(),
        "can_write": info.principal.role == "clinician",
        "can_export": info.principal.role in ("clinician", "admin"),
        "nav_active": "patients",
        "today": dt.date.today().isoformat(),
    }


def _patient_page_error(
    request: Request,
    info: SessionInfo,
    records: Records,
    patient_id: int,
    slot: str,
    exc: InvalidInputError,
) -> Response:
    """The patient page again, with the message of a refused inline form in ``slot``."""
    ctx = _patient_context(records.overview(info.principal, patient_id), info)
    ctx[slot] = str(exc)
    return render(request, "patient.html", info, ctx, status_code=422)


# ---------------------------------------------------------------------------------- assessment
@router.get("/patients/{patient_id}/assess", response_class=HTMLResponse)
def assess_form(request: Request, patient_id: int, info: PageUser, records: RecordsDep) -> Response:
    p = records.get_patient(info.principal, patient_id)
    return render(request, "assess.html", info, _assess_ctx(p, {}, {}, None))


def _assess_ctx(
    p: dict[str, Any], form: dict[str, Any], errors: dict[str, str], result: Any
) -> dict[str, Any]:
    return {
        "title": f"Assessment: {p['display_name']}",
        "p": p,
        "fields": findings_fields(),
        "form": form,
        "errors": errors,
        "result": result,
        "nav_active": "patients",
        "today": dt.date.today().isoformat(),
    }


def _form_values(form: FormData) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


@router.post("/patients/{patient_id}/assess", response_class=HTMLResponse)
async def assess_submit(
    request: Request, patient_id: int, info: PageUser, records: RecordsDep
) -> Response:
    form = await request.form()
    p = records.get_patient(info.principal, patient_id)
    values = _form_values(form)
    try:
        findings = findings_from_form(form)
        stored = records.add_assessment(
            info.principal, patient_id, findings, assessed_on=_s(form, "assessed_on")
        )
    except InvalidInputError as exc:
        key = exc.field.split(".")[0].split("[")[0]
        field = (
            key
            if any(f.name == key for f in findings_fields()) or key == "assessed_on"
            else "advanced"
        )
        return render(
            request,
            "assess.html",
            info,
            _assess_ctx(p, values, {field: str(exc)}, None),
            status_code=422,
        )
    return render(request, "assess.html", info, _assess_ctx(p, values, {}, stored))


# ---------------------------------------------------------------------------------- scales
def _scale_ctx(
    p: dict[str, Any], scale: str, values: dict[str, Any], errors: dict[str, str], result: Any
) -> dict[str, Any]:
    from dystonia.scales import get_scale

    desc = get_scale(scale).describe()
    return {
        "title": f"{desc['title']}: {p['display_name']}",
        "p": p,
        "scale": desc,
        "values": values,
        "errors": errors,
        "result": result,
        "nav_active": "patients",
        "today": dt.date.today().isoformat(),
    }


def _items_from(form: FormData, scale: str) -> dict[str, Any]:
    from dystonia.scales import get_scale

    items: dict[str, Any] = {}
    for item_id in get_scale(scale).item_ids:
        raw = _s(form, f"item_{item_id}")
        if raw is None or raw == "":
            continue
        if raw == "na":
            items[item_id] = None
            continue
        try:
            items[item_id] = float(raw)
        except ValueError:
            raise InvalidInputError(item_id, raw, allowed="a number") from None
    return items


@router.get("/patients/{patient_id}/scales/{scale}", response_class=HTMLResponse)
def scale_form(
    request: Request, patient_id: int, scale: str, info: PageUser, records: RecordsDep
) -> Response:
    p = records.get_patient(info.principal, patient_id)
    return render(request, "scale.html", info, _scale_ctx(p, scale, {}, {}, None))


@router.post("/patients/{patient_id}/scales/{scale}/preview", response_class=HTMLResponse)
async def scale_preview(
    request: Request, patient_id: int, scale: str, info: PageUser, records: RecordsDep
) -> Response:
    """Live total while the form is filled in (nothing is stored)."""
    from dystonia.scales import get_scale

    form = await request.form()
    records.get_patient(info.principal, patient_id)
    sc = get_scale(scale)
    try:
        items = _items_from(form, scale)
        version = _s(form, "version") or None
        total = sum(v for v in items.values() if v is not None)
        complete = len(items) == len(sc.item_ids)
        result = sc.score(items, version=version).to_dict() if complete else None
        error = None
    except InvalidInputError as exc:
        result, total, complete, error = None, 0.0, False, str(exc)
    return render(
        request,
        "_scale_total.html",
        info,
        {
            "result": result,
            "partial_total": total,
            "answered": len(items) if error is None else 0,
            "n_items": len(sc.item_ids),
            "max": sc.max_score(version=_s(form, "version") or None),
            "error": error,
            "complete": complete,
        },
    )


@router.post("/patients/{patient_id}/scales/{scale}", response_class=HTMLResponse)
async def scale_submit(
    request: Request, patient_id: int, scale: str, info: PageUser, records: RecordsDep
) -> Response:
    form = await request.form()
    p = records.get_patient(info.principal, patient_id)
    values = _form_values(form)
    try:
        items = _items_from(form, scale)
        records.add_scale(
            info.principal,
            patient_id,
            scale,
            items,
            version=_s(form, "version") or None,
            rated_on=_s(form, "rated_on"),
        )
    except InvalidInputError as exc:
        return render(
            request,
            "scale.html",
            info,
            _scale_ctx(p, scale, values, {exc.field: str(exc)}, None),
            status_code=422,
        )
    return _redirect(f"/patients/{patient_id}#trajectory", request)


# ---------------------------------------------------------------------------------- treatment
def _toxin_ctx(
    p: dict[str, Any], values: dict[str, Any], errors: dict[str, str], rows: int = 8
) -> dict[str, Any]:
    from dystonia.knowledge import botulinum

    kb = botulinum()
    return {
        "title": f"Botulinum toxin session: {p['display_name']}",
        "p": p,
        "kb": kb,
        "values": values,
        "errors": errors,
        "rows": range(rows),
        "nav_active": "patients",
        "today": dt.date.today().isoformat(),
    }


@router.get("/patients/{patient_id}/toxin", response_class=HTMLResponse)
def toxin_form(request: Request, patient_id: int, info: PageUser, records: RecordsDep) -> Response:
    p = records.get_patient(info.principal, patient_id)
    return render(request, "toxin.html", info, _toxin_ctx(p, {}, {}))


@router.post("/patients/{patient_id}/toxin", response_class=HTMLResponse)
async def toxin_submit(
    request: Request, patient_id: int, info: PageUser, records: RecordsDep
) -> Response:
    form = await request.form()
    p = records.get_patient(info.principal, patient_id)
    values = _form_values(form)
    injections = []
    for i in range(40):
        muscle = _s(form, f"muscle_{i}")
        if not muscle:
            continue
        injections.append(
            {
                "muscle": muscle,
                "side": _s(form, f"side_{i}") or "",
                "units": _s(form, f"units_{i}") or "",
                "guidance": _s(form, f"guidance_{i}") or "none",
            }
        )
    session = {
        "product": _s(form, "product") or "",
        "date": _s(form, "date") or "",
        "dilution_units_per_ml": _s(form, "dilution_units_per_ml") or "",
        "indication": _s(form, "indication") or None,
        "injections": injections,
    }
    try:
        stored = records.add_toxin_session(info.principal, patient_id, session)
    except InvalidInputError as exc:
        return render(
            request,
            "toxin.html",
            info,
            _toxin_ctx(p, values, {exc.field: str(exc)}),
            status_code=422,
        )
    ctx = _toxin_ctx(p, {}, {})
    ctx["stored"] = stored
    return render(request, "toxin.html", info, ctx)


@router.post("/patients/{patient_id}/medications", response_class=HTMLResponse)
async def medication_submit(
    request: Request, patient_id: int, info: PageUser, records: RecordsDep
) -> Response:
    form = await request.form()
    try:
        records.add_medication(
            info.principal,
            patient_id,
            name=_s(form, "name"),
            dose=_s(form, "dose"),
            start_date=_s(form, "start_date"),
            stop_date=_s(form, "stop_date"),
        )
    except InvalidInputError as exc:
        return _patient_page_error(request, info, records, patient_id, "med_error", exc)
    return _redirect(f"/patients/{patient_id}#medications", request)


@router.post("/patients/{patient_id}/visits", response_class=HTMLResponse)
async def visit_submit(
    request: Request, patient_id: int, info: PageUser, records: RecordsDep
) -> Response:
    form = await request.form()
    try:
        records.add_visit(
            info.principal,
            patient_id,
            day=_s(form, "date"),
            kind=_s(form, "kind") or "clinic",
            note=_s(form, "note"),
        )
    except InvalidInputError as exc:
        return _patient_page_error(request, info, records, patient_id, "visit_error", exc)
    return _redirect(f"/patients/{patient_id}#timeline", request)


@router.post("/patients/{patient_id}/void", response_class=HTMLResponse)
async def void_submit(
    request: Request, patient_id: int, info: PageUser, records: RecordsDep
) -> Response:
    form = await request.form()
    try:
        record_id = int(_s(form, "record_id") or "")
    except ValueError:
        raise InvalidInputError("record_id", _s(form, "record_id"), allowed="a record id") from None
    records.void(info.principal, patient_id, _s(form, "kind") or "", record_id, _s(form, "reason"))
    return _redirect(f"/patients/{patient_id}", request)


# ---------------------------------------------------------------------------------- recordings
@router.get("/patients/{patient_id}/recordings/new", response_class=HTMLResponse)
def recording_form(
    request: Request, patient_id: int, info: PageUser, records: RecordsDep
) -> Response:
    p = records.get_patient(info.principal, patient_id)
    return render(
        request,
        "recording_new.html",
        info,
        {"title": "Upload a recording", "p": p, "errors": {}, "nav_active": "patients"},
    )


@router.post("/patients/{patient_id}/recordings", response_class=HTMLResponse)
async def recording_upload(
    request: Request, patient_id: int, info: PageUser, records: RecordsDep
) -> Response:
    form = await request.form(max_part_size=256 * 1024 * 1024)
    p = records.get_patient(info.principal, patient_id)
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise InvalidInputError("file", None, reason="is required")
        from dystonia.records import service

        if upload.size is not None and upload.size > service.MAX_UPLOAD_BYTES:
            raise InvalidInputError(
                "file", upload.filename, allowed=f"at most {service.MAX_UPLOAD_BYTES >> 20} MiB"
            )
        data = await upload.read()
        rec = records.add_recording(
            info.principal,
            patient_id,
            filename=upload.filename or "",
            data=data,
            task=_s(form, "task"),
            recorded_on=_s(form, "recorded_on"),
        )
    except DystoniaError as exc:
        field = exc.field if isinstance(exc, InvalidInputError) else "file"
        return render(
            request,
            "recording_new.html",
            info,
            {
                "title": "Upload a recording",
                "p": p,
                "errors": {field: str(exc)},
                "nav_active": "patients",
            },
            status_code=422,
        )
    return _redirect(f"/patients/{patient_id}/recordings/{rec['id']}", request)


@router.get("/patients/{patient_id}/recordings/{recording_id}", response_class=HTMLResponse)
def recording_page(
    request: Request, patient_id: int, recording_id: int, info: PageUser, records: RecordsDep
) -> Response:
    ov = records.overview(info.principal, patient_id)
    rec = next((r for r in ov["recordings"] if r["id"] == recording_id), None)
    if rec is None:
        from dystonia.records.policy import NotFoundError

        raise NotFoundError("recording not found")
    return render(
        request,
        "recording.html",
        info,
        {"title": rec["filename"], "p": ov["patient"], "rec": rec, "nav_active": "patients"},
    )


@router.get("/patients/{patient_id}/summary.pdf")
def summary_pdf(patient_id: int, info: PageUser, records: RecordsDep) -> Response:
    """The clinical summary as an A4 PDF download."""
    from dystonia.web.report_pdf import download_headers, summary_file

    name, pdf = summary_file(records, info.principal, patient_id)
    return Response(pdf, media_type="application/pdf", headers=download_headers(name))


@router.get("/patients/{patient_id}/recordings/{recording_id}/figure.png")
def recording_figure(
    patient_id: int, recording_id: int, info: PageUser, records: RecordsDep
) -> Response:
    png = records.recording_figure(info.principal, patient_id, recording_id)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


# ---------------------------------------------------------------------------------- drawing
@router.get("/patients/{patient_id}/ink", response_class=HTMLResponse)
def ink_page(request: Request, patient_id: int, info: PageUser, records: RecordsDep) -> Response:
    p = records.get_patient(info.principal, patient_id)
    return render(request, "ink.html", info, _ink_ctx(p, f"/patients/{p['id']}"))


def _ink_ctx(p: dict[str, Any], back: str) -> dict[str, Any]:
    return {
        "title": "Draw a spiral or write",
        "p": p,
        "post_url": f"/api/v1/patients/{p['id']}/ink",
        "result_base": f"/patients/{p['id']}/recordings/",
        "back": back,
        "nav_active": "ink" if back == "/me" else "patients",
    }


@router.get("/me/ink", response_class=HTMLResponse)
def my_ink_page(request: Request, info: PageUser, records: RecordsDep) -> Response:
    p = records.get_patient(info.principal, _own(info))
    return render(request, "ink.html", info, _ink_ctx(p, "/me"))


# ---------------------------------------------------------------------------------- portal
def _own(info: SessionInfo) -> int:
    if info.principal.role != "patient" or info.principal.patient_id is None:
        from dystonia.records.policy import NotFoundError

        raise NotFoundError("no patient record for this account")
    return info.principal.patient_id


@router.get("/me", response_class=HTMLResponse)
def portal(request: Request, info: PageUser, records: RecordsDep) -> Response:
    ov = records.overview(info.principal, _own(info))
    return render(
        request,
        "portal.html",
        info,
        {
            "title": "My trajectory",
            "ov": ov,
            "chart": chart_for(ov, title="My trajectory", width_px=900),
            "chart_narrow": chart_for(ov, title="My trajectory", width_px=360),
            "recent": sorted(
                (d for d in ov["diary"] if not d["voided"]), key=lambda d: d["date"], reverse=True
            )[:7],
            "nav_active": "me",
        },
    )


def _diary_ctx(values: dict[str, Any], errors: dict[str, str], saved: Any = None) -> dict[str, Any]:
    return {
        "title": "My diary",
        "values": values,
        "errors": errors,
        "saved": saved,
        "today": dt.date.today().isoformat(),
        "nav_active": "diary",
    }


@router.get("/me/diary", response_class=HTMLResponse)
def diary_form(request: Request, info: PageUser) -> Response:
    _own(info)
    return render(request, "diary.html", info, _diary_ctx({}, {}))


@router.post("/me/diary", response_class=HTMLResponse)
async def diary_submit(request: Request, info: PageUser, records: RecordsDep) -> Response:
    form = await request.form()
    values = _form_values(form)
    pain = _s(form, "pain_0_10") if _s(form, "pain_recorded") else None
    try:
        saved = records.add_diary(
            info.principal,
            _own(info),
            day=_s(form, "date"),
            severity_0_10=_s(form, "severity_0_10"),
            pain_0_10=pain,
            note=_s(form, "note"),
        )
    except InvalidInputError as exc:
        return render(
            request, "diary.html", info, _diary_ctx(values, {exc.field: str(exc)}), status_code=422
        )
    return render(request, "diary.html", info, _diary_ctx({}, {}, saved))


@router.get("/me/summary", response_class=HTMLResponse)
def summary(request: Request, info: PageUser, records: RecordsDep) -> Response:
    from dystonia.clinical.assessment import Assessment
    from dystonia.clinical.patient import patient_summary

    found = [a for a in records.list_assessments(info.principal, _own(info)) if not a["voided"]]
    text = patient_summary(Assessment.model_validate(found[0]["assessment"])) if found else None
    return render(
        request,
        "summary.html",
        info,
        {
            "title": "My summary",
            "text": text,
            "when": found[0]["assessed_on"] if found else None,
            "nav_active": "summary",
        },
    )


# ---------------------------------------------------------------------------------- admin
# ---------------------------------------------------------------------------------- account
@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, info: PageUser, records: RecordsDep) -> Response:
    return render(request, "account.html", info, _account_ctx(records, info))


def _account_ctx(
    records: Records,
    info: SessionInfo,
    *,
    setup: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "title": "Account",
        "status": records.totp_status(info.principal),
        "setup": setup,
        "errors": errors or {},
        "nav_active": "account",
    }


@router.post("/account/2fa/begin", response_class=HTMLResponse)
async def account_2fa_begin(request: Request, info: PageUser, records: RecordsDep) -> Response:
    form = await request.form()
    try:
        setup = await run_in_threadpool(
            records.totp_begin, info.principal, _s(form, "password"), _s(form, "code")
        )
    except InvalidInputError as exc:
        ctx = _account_ctx(records, info, errors={exc.field: str(exc)})
        return render(request, "account.html", info, ctx, status_code=422)
    response = render(request, "account.html", info, _account_ctx(records, info, setup=setup))
    response.headers["Cache-Control"] = "no-store"  # the page holds the secret
    return response


@router.post("/account/2fa/confirm", response_class=HTMLResponse)
async def account_2fa_confirm(request: Request, info: PageUser, records: RecordsDep) -> Response:
    form = await request.form()
    try:
        await run_in_threadpool(
            records.totp_confirm, info.principal, _s(form, "code"), session_id=info.session_id
        )
    except InvalidInputError as exc:
        # a mistyped code: the same key again (the app already holds it)
        setup = await run_in_threadpool(records.totp_pending, info.principal)
        ctx = _account_ctx(records, info, setup=setup, errors={exc.field: str(exc)})
        response = render(request, "account.html", info, ctx, status_code=422)
        response.headers["Cache-Control"] = "no-store"
        return response
    ctx = _account_ctx(records, info)
    ctx["flash"] = [("ok", "Two-step sign-in is on. Other sessions of this account were ended.")]
    return render(request, "account.html", info, ctx)


@router.post("/account/2fa/disable", response_class=HTMLResponse)
async def account_2fa_disable(request: Request, info: PageUser, records: RecordsDep) -> Response:
    form = await request.form()
    try:
        await run_in_threadpool(
            records.totp_disable,
            info.principal,
            _s(form, "password"),
            _s(form, "code"),
            session_id=info.session_id,
        )
    except InvalidInputError as exc:
        ctx = _account_ctx(records, info, errors={exc.field: str(exc)})
        return render(request, "account.html", info, ctx, status_code=422)
    ctx = _account_ctx(records, info)
    ctx["flash"] = [("warn", "Two-step sign-in is off. Other sessions of this account were ended.")]
    return render(request, "account.html", info, ctx)


@router.post("/admin/users/{user_id}/2fa/reset", response_class=HTMLResponse)
def users_2fa_reset(
    user_id: int, request: Request, info: PageUser, records: RecordsDep
) -> Response:
    records.totp_reset(info.principal, user_id)
    return _redirect("/admin/users", request)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, info: PageUser, records: RecordsDep) -> Response:
    return render(request, "users.html", info, _users_ctx(records, info, {}, {}))


def _users_ctx(
    records: Records, info: SessionInfo, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    return {
        "title": "Users",
        "users": records.list_users(info.principal),
        "patients": records.list_patients(info.principal),
        "values": values,
        "errors": errors,
        "nav_active": "users",
    }


@router.post("/admin/users", response_class=HTMLResponse)
async def users_create(request: Request, info: PageUser, records: RecordsDep) -> Response:
    form = await request.form()
    pid = _s(form, "patient_id")
    try:
        patient_id = int(pid) if pid else None
    except ValueError:
        patient_id = None
    try:
        records.add_user(
            info.principal,
            (_s(form, "username") or "").strip(),
            _s(form, "password") or "",
            _s(form, "role") or "",
            patient_id=patient_id,
        )
    except InvalidInputError as exc:
        values = {k: v for k, v in _form_values(form).items() if k != "password"}
        return render(
            request,
            "users.html",
            info,
            _users_ctx(records, info, values, {exc.field: str(exc)}),
            status_code=422,
        )
    return _redirect("/admin/users", request)


@router.post("/admin/users/{user_id}/active", response_class=HTMLResponse)
async def users_active(
    request: Request, user_id: int, info: PageUser, records: RecordsDep
) -> Response:
    form = await request.form()
    records.set_user_active(info.principal, user_id, _s(form, "active") == "1")
    return _redirect("/admin/users", request)


@router.post("/admin/assign", response_class=HTMLResponse)
async def assign(request: Request, info: PageUser, records: RecordsDep) -> Response:
    form = await request.form()
    try:
        pid = int(_s(form, "patient_id") or "")
    except ValueError:
        raise InvalidInputError(
            "patient_id", _s(form, "patient_id"), allowed="a patient id"
        ) from None
    records.assign(info.principal, pid, _s(form, "clinician") or "")
    return _redirect("/admin/users", request)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, info: PageUser, records: RecordsDep, verify: int = 0) -> Response:
    events = records.audit_events(info.principal)
    report = records.verify_audit(info.principal) if verify else None
    return render(
        request,
        "audit.html",
        info,
        {"title": "Audit log", "events": events, "report": report, "nav_active": "audit"},
    )
