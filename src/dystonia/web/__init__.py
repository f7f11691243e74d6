"""The web app: FastAPI + Jinja2 + vendored htmx, one security boundary on the server.

:func:`dystonia.web.app.create_app` builds the application: the JSON API under ``/api/v1``
(contracts/api.md), the clinician pages, the patient portal and the admin pages. All data goes
through :class:`dystonia.records.service.Records`, which checks the access policy and audits
every access.
"""

from dystonia.web.app import create_app

__all__ = ["create_app"]
