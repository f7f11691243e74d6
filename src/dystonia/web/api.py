"""The JSON API under ``/api/v1`` (contracts/api.md). It may grow; these names stay."""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from dystonia.records.accounts import SessionInfo
from dystonia.web.app import StrictJsonRoute
from dystonia.web.deps import ApiUser, RecordsDep, client_ip
from dystonia.web.security import LOGIN_FAILED, SESSION_COOKIE

__all__ = ["router"]

router = APIRouter(
    prefix="/api/v1",
    route_class=StrictJsonRoute,  # NaN, Infinity, 1e999, lone surrogates: 422
    responses={
        400: {"description": "The body cannot be parsed (not JSON, wrong encoding)"},
        401: {"description": "Not signed in, or wrong credentials"},
        403: {"description": "Missing CSRF token, or an action the role may not do"},
        404: {"description": "No such record, or one the user may not see"},
        422: {"description": "Invalid body: one message per field; nothing was stored"},
    },
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_In):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    otp: str | None = Field(
        default=None,
        max_length=16,
        description="The authenticator's current 6-digit code, for an account with a second factor",
    )


class PatientIn(_In):
    display_name: str = Field(min_length=1, max_length=200)
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    sex: Literal["female", "male", "other", "unknown"] | None = None


class AssessmentIn(_In):
    findings: dict[str, Any]
    assessed_on: dt.date | None = None


class ScaleIn(_In):
    items: dict[str, float | int | None]
    version: str | None = None
    rated_on: dt.date | None = None


class DiaryIn(_In):
    date: dt.date
    severity_0_10: int = Field(ge=0, le=10)
    pain_0_10: int | None = Field(default=None, ge=0, le=10)
    note: str | None = Field(default=None, max_length=2000)


class MedicationIn(_In):
    name: str = Field(min_length=1, max_length=100)
    dose: str | None = Field(default=None, max_length=100)
    start_date: dt.date | None = None
    stop_date: dt.date | None = None
    note: str | None = Field(default=None, max_length=2000)


class VisitIn(_In):
    date: dt.date
    kind: Literal["clinic", "telephone", "video", "injection", "other"] = "clinic"
    note: str | None = Field(default=None, max_length=2000)


class VoidIn(_In):
    reason: str = Field(min_length=1, max_length=500)


def _set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.app.state.secure_cookies,
        path="/",
    )


@router.post("/auth/login", tags=["auth"])
def login(body: LoginIn, request: Request, records: RecordsDep) -> JSONResponse:
    """Sign in: 200 with a session cookie and the CSRF token, or 401."""
    throttle = request.app.state.login_throttle
    ip = client_ip(request)
    time.sleep(throttle.delay_s(ip))  # a worker thread: the event loop is not blocked
    result = records.sign_in(body.username, body.password, otp=body.otp, ip=ip)
    if result is None:
        throttle.failed(ip)
        return JSONResponse({"detail": LOGIN_FAILED.lower()}, status_code=401)
    throttle.succeeded(ip)
    info, token = result
    response = JSONResponse(_me(info))
    _set_session_cookie(request, response, token)
    return response


def _me(info: SessionInfo) -> dict[str, Any]:
    p = info.principal
    return {
        "username": p.username,
        "role": p.role,
        "patient_id": p.patient_id,
        "csrf_token": info.csrf_token,
    }


@router.post("/auth/logout", tags=["auth"])
def logout(request: Request, info: ApiUser, records: RecordsDep) -> JSONResponse:
    """End the session server-side."""
    records.sign_out(request.cookies.get(SESSION_COOKIE, ""), info.principal)
    response = JSONResponse({"status": "signed out"})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/auth/me", tags=["auth"])
def me(info: ApiUser) -> dict[str, Any]:
    """Who is signed in (and the CSRF token)."""
    return _me(info)


@router.get("/patients", tags=["patients"])
def list_patients(info: ApiUser, records: RecordsDep, q: str | None = None) -> list[dict[str, Any]]:
    """Patients the user may see."""
    return records.list_patients(info.principal, q)


@router.post("/patients", status_code=201, tags=["patients"])
def create_patient(body: PatientIn, info: ApiUser, records: RecordsDep) -> dict[str, Any]:
    """Create a patient; a creating clinician is assigned."""
    return records.create_patient(
        info.principal, body.display_name, birth_year=body.birth_year, sex=body.sex
    )


@router.get("/patients/{patient_id}", tags=["patients"])
def get_patient(patient_id: int, info: ApiUser, records: RecordsDep) -> dict[str, Any]:
    """One patient (404 for anyone not allowed to see them)."""
    return records.get_patient(info.principal, patient_id)


@router.post("/patients/{patient_id}/assessments", status_code=201, tags=["assessments"])
def create_assessment(
    patient_id: int, body: AssessmentIn, info: ApiUser, records: RecordsDep
) -> dict[str, Any]:
    """Assess findings and store the assessment with the rule version."""
    return records.add_assessment(
        info.principal, patient_id, body.findings, assessed_on=body.assessed_on
    )


@router.get("/patients/{patient_id}/assessments", tags=["assessments"])
def list_assessments(patient_id: int, info: ApiUser, records: RecordsDep) -> list[dict[str, Any]]:
    """Assessments, newest first."""
    return records.list_assessments(info.principal, patient_id)


@router.post("/patients/{patient_id}/scales/{scale}", status_code=201, tags=["scales"])
def create_scale(
    patient_id: int, scale: str, body: ScaleIn, info: ApiUser, records: RecordsDep
) -> dict[str, Any]:
    """Score a scale and store it item by item."""
    return records.add_scale(
        info.principal, patient_id, scale, body.items, version=body.version, rated_on=body.rated_on
    )


@router.get("/patients/{patient_id}/scales", tags=["scales"])
def list_scales(
    patient_id: int, info: ApiUser, records: RecordsDep, scale: str | None = None
) -> list[dict[str, Any]]:
    """Scale results, newest first."""
    return records.list_scales(info.principal, patient_id, scale=scale)


@router.post("/patients/{patient_id}/diary", status_code=201, tags=["diary"])
def create_diary(
    patient_id: int, body: DiaryIn, info: ApiUser, records: RecordsDep
) -> dict[str, Any]:
    """Add a diary day."""
    return records.add_diary(
        info.principal,
        patient_id,
        day=body.date,
        severity_0_10=body.severity_0_10,
        pain_0_10=body.pain_0_10,
        note=body.note,
    )


@router.get("/patients/{patient_id}/diary", tags=["diary"])
def list_diary(patient_id: int, info: ApiUser, records: RecordsDep) -> list[dict[str, Any]]:
    """Diary days, newest first."""
    return records.list_diary(info.principal, patient_id)


@router.post("/patients/{patient_id}/medications", status_code=201, tags=["treatment"])
def create_medication(
    patient_id: int, body: MedicationIn, info: ApiUser, records: RecordsDep
) -> dict[str, Any]:
    """Record a medication (dopamine-receptor blockers flagged)."""
    return records.add_medication(info.principal, patient_id, **body.model_dump())


@router.post("/patients/{patient_id}/visits", status_code=201, tags=["records"])
def create_visit(
    patient_id: int, body: VisitIn, info: ApiUser, records: RecordsDep
) -> dict[str, Any]:
    """Record a visit with an optional note."""
    return records.add_visit(
        info.principal, patient_id, day=body.date, kind=body.kind, note=body.note
    )


@router.post("/patients/{patient_id}/toxin", status_code=201, tags=["treatment"])
def create_toxin_session(
    patient_id: int,
    info: ApiUser,
    records: RecordsDep,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Record a botulinum toxin session; the response carries its warnings."""
    return records.add_toxin_session(info.principal, patient_id, body)


@router.post("/patients/{patient_id}/ink", status_code=201, tags=["recordings"])
async def create_ink(
    patient_id: int,
    request: Request,
    info: ApiUser,
    records: RecordsDep,
    task: Literal["auto", "spiral", "writing"] = "auto",
) -> dict[str, Any]:
    """A drawing or writing sample as pointer-event JSON (docs/ink/formats.md), analysed and
    stored as a recording (the patient themself, or an assigned clinician)."""
    body = await request.body()
    return await run_in_threadpool(
        records.add_ink, info.principal, patient_id, data=body, task=task
    )


@router.get("/patients/{patient_id}/overview", tags=["patients"])
def overview(patient_id: int, info: ApiUser, records: RecordsDep) -> dict[str, Any]:
    """Everything on file for the patient."""
    return records.overview(info.principal, patient_id)


@router.post("/patients/{patient_id}/{kind}/{record_id}/void", tags=["records"])
def void_record(
    patient_id: int,
    kind: str,
    record_id: int,
    body: VoidIn,
    info: ApiUser,
    records: RecordsDep,
) -> dict[str, Any]:
    """Void a record with a reason (records are never deleted)."""
    records.void(info.principal, patient_id, kind, record_id, body.reason)
    return {"status": "voided", "kind": kind, "id": record_id}


@router.post("/patients/{patient_id}/fhir", tags=["interop"])
async def fhir_import(
    patient_id: int, request: Request, info: ApiUser, records: RecordsDep
) -> dict[str, Any]:
    """Import the Conditions and MedicationStatements of a FHIR R4/R4B Bundle, all or nothing."""
    body = await request.body()
    return await run_in_threadpool(records.fhir_import, info.principal, patient_id, body)


@router.get("/patients/{patient_id}/fhir", tags=["interop"])
def fhir_bundle(patient_id: int, info: ApiUser, records: RecordsDep) -> dict[str, Any]:
    """A FHIR R4B Bundle (collection) of everything on file."""
    return records.fhir_export(info.principal, patient_id)


@router.get(
    "/patients/{patient_id}/summary.pdf",
    tags=["interop"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF summary"}},
)
def summary_pdf(patient_id: int, info: ApiUser, records: RecordsDep) -> Response:
    """The clinical summary as an A4 PDF (admins; the patient's assigned clinicians)."""
    from dystonia.web.report_pdf import download_headers, summary_file

    name, pdf = summary_file(records, info.principal, patient_id)
    return Response(pdf, media_type="application/pdf", headers=download_headers(name))
