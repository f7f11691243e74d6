"""Wearable-sensor recordings: a DocumentReference each, and an Observation of its tremor summary.

The DocumentReference describes the stored file (name, content type, task, date). FHIR's
``Attachment.hash`` is defined as the base64 SHA-1 of the data; the workbench keeps SHA-256, so the
hash is written as ``masterIdentifier`` (system ``.../sid/recording-sha256``, value the hex
digest) rather than misusing ``hash``. The file itself is not embedded.

The tremor summary of the analysis (contract ``motion.md``) becomes one Observation (category
``procedure``: measured by a device-based procedure, like electrodiagnostics) with a component per
feature, ``derivedFrom`` the DocumentReference: presence, share of valid time, median peak
frequency (UCUM ``Hz``), median amplitude and its 90th percentile in the analysis unit (gyroscope
``deg/s``; accelerometer ``m/s^2`` written UCUM ``m/s2``), tremor stability index (``Hz``),
directionality (``1``), duration and analysed time (``s``). A feature the analysis could not
compute is a component with ``dataAbsentReason``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dystonia.interop.fhir_context import JSON, ExportContext, need, text
from dystonia.interop.fhir_terms import (
    DATA_ABSENT_REASON,
    OBSERVATION_CATEGORY,
    RECORDING_SHA256_SYSTEM,
    UCUM,
    WORKBENCH_SYSTEM,
)

__all__ = ["recording_entries"]

_CONTENT_TYPES = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "cwa": "application/octet-stream",
    "bin": "application/octet-stream",
}
#: analysis unit -> UCUM code
_UCUM_UNITS = {"deg/s": "deg/s", "m/s^2": "m/s2", "m/s2": "m/s2", "Hz": "Hz", "s": "s", "1": "1"}


def _concept(code: str, display: str) -> JSON:
    return {
        "coding": [{"system": WORKBENCH_SYSTEM, "code": code, "display": display}],
        "text": display,
    }


def _absent(code: str, why: str) -> JSON:
    return {
        "dataAbsentReason": {"coding": [{"system": DATA_ABSENT_REASON, "code": code}], "text": why}
    }


def _quantity_component(
    code: str, display: str, value: Any, unit: str | None, *, applicable: bool
) -> JSON:
    out = {"code": _concept(code, display)}
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        if not applicable:
            return out | _absent("not-applicable", "no tremor found in the recording")
        return out | _absent("unknown", "not computed by the analysis (see the notes)")
    ucum = _UCUM_UNITS.get(unit or "")
    if ucum is None:
        return out | _absent("unsupported", f"{value} {unit} (unit not expressible in UCUM here)")
    shown = {"1": "1", "m/s2": "m/s^2"}.get(ucum, ucum)
    return out | {"valueQuantity": {"value": value, "unit": shown, "system": UCUM, "code": ucum}}


def _features(analysis: Mapping[str, Any]) -> list[JSON]:
    tremor = analysis.get("tremor") or {}
    recording = analysis.get("recording") or {}
    present = bool(tremor.get("present"))
    amplitude = tremor.get("amplitude") or {}
    amp_unit = amplitude.get("unit") if isinstance(amplitude, Mapping) else None
    amp_value = amplitude.get("value") if isinstance(amplitude, Mapping) else None
    components: list[JSON] = [
        {"code": _concept("tremor-present", "Tremor present"), "valueBoolean": present},
    ]
    rows: list[tuple[str, str, Any, str | None, bool]] = [
        ("tremor-fraction-of-time", "Share of valid time with tremor (0-1)",
         tremor.get("fraction_of_time"), "1", True),
        ("tremor-peak-frequency", "Tremor peak frequency (median over tremor windows)",
         tremor.get("peak_frequency_hz"), "Hz", present),
        ("tremor-amplitude-rms", "Tremor amplitude, RMS of the tremor-band vector (median)",
         amp_value, amp_unit, present),
        ("tremor-amplitude-p90", "Tremor amplitude, 90th percentile over tremor windows",
         tremor.get("amplitude_p90"), amp_unit, present),
        ("tremor-stability-index", "Tremor stability index (di Biase 2017)",
         tremor.get("tsi_hz"), "Hz", present),
        ("tremor-directionality", "Tremor directionality (share of variance on one axis)",
         tremor.get("directionality"), "1", present),
        ("recording-duration", "Recording duration", recording.get("duration_s"), "s", True),
        ("recording-analysed-time", "Valid time analysed", recording.get("valid_s"), "s", True),
    ]  # fmt: skip
    for code, display, value, unit, applicable in rows:
        components.append(_quantity_component(code, display, value, unit, applicable=applicable))
    return components


def recording_entries(ctx: ExportContext, record: Mapping[str, Any]) -> list[JSON]:
    """DocumentReference of one non-voided recording, and its tremor Observation if analysed."""
    rid = need(record, "id", "recordings[]")
    where = f"recordings[id={rid}]"
    sha256 = str(need(record, "sha256", where))
    fmt = text(record.get("format"))
    task = text(record.get("task"))
    recorded_on = text(record.get("recorded_on"))
    document: JSON = {
        "masterIdentifier": {"system": RECORDING_SHA256_SYSTEM, "value": sha256},
        "identifier": [ctx.identifier("recording", rid)],
        "status": "current",
        "type": _concept("motion-recording", "Wearable inertial sensor recording"),
        "subject": ctx.patient_ref,
        "date": text(record.get("created_at")),
        "description": f"Task: {task}" if task else None,
        "content": [
            {
                "attachment": {
                    "contentType": _CONTENT_TYPES.get(fmt or "", "application/octet-stream"),
                    "title": text(record.get("filename")),
                }
            }
        ],
        "context": {"period": {"start": recorded_on}},
    }
    doc = ctx.entry("DocumentReference", "DocumentReference/recording", rid, document)
    analysis = record.get("analysis")
    if not isinstance(analysis, Mapping) or not isinstance(analysis.get("tremor"), Mapping):
        return [doc]
    tremor = analysis["tremor"]
    band = tremor.get("band_hz")
    method = "Dystonia Workbench motion analysis"
    if isinstance(band, list) and len(band) == 2:
        method += f": tremor band {band[0]}-{band[1]} Hz"
    if tremor.get("signal"):
        method += f", {tremor['signal']} signal"
    observation: JSON = {
        "identifier": [ctx.identifier("recording", rid)],
        "status": "final",
        "category": [
            {
                "coding": [
                    {"system": OBSERVATION_CATEGORY, "code": "procedure", "display": "Procedure"}
                ]
            }
        ],
        "code": _concept("motion-tremor-summary", "Tremor summary of a wearable sensor recording"),
        "subject": ctx.patient_ref,
        "effectiveDateTime": recorded_on,
        "method": {"text": method},
        "note": [{"text": text(n)} for n in analysis.get("notes") or []],
        "derivedFrom": [{"reference": doc["fullUrl"]}],
        "component": _features(analysis),
    }
    obs = ctx.entry("Observation", "Observation/motion", rid, observation)
    return [doc, obs]
