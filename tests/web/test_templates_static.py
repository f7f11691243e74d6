"""The page frame, the form macros and the static files: roles, escaping, CSP, vendored htmx."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from jinja2 import ChoiceLoader, DictLoader, Environment, FileSystemLoader, StrictUndefined

WEB = Path(__file__).resolve().parents[2] / "src" / "dystonia" / "web"
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
HOSTILE = '"><script>alert(1)</script>'
FOOTER = "Dystonia Workbench supports clinical decisions; it does not make them."

NAV = {
    "admin": [("/patients", "Patients"), ("/admin/users", "Users"), ("/admin/audit", "Audit")],
    "clinician": [("/patients", "Patients")],
    "patient": [
        ("/me/diary", "My diary"),
        ("/me/ink", "Draw"),
        ("/me", "My trajectory"),
        ("/me/summary", "My summary"),
    ],
}


def env(**pages: str) -> Environment:
    loader = ChoiceLoader([DictLoader(pages), FileSystemLoader(TEMPLATES)])
    return Environment(loader=loader, autoescape=True)


def user(role: str, name: str = "dr.who") -> SimpleNamespace:
    return SimpleNamespace(username=name, role=role, patient_id=7 if role == "patient" else None)


VOID_TAGS = frozenset(
    ["meta", "link", "input", "br", "img", "hr", "source", "area", "col", "wbr", "path", "rect"]
)


class Page(HTMLParser):
    """Tags and attributes of a page, and whether every tag closes where it should."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def render_base(role: str | None, **extra: object) -> str:
    pages = {"page.html": '{% extends "base.html" %}{% block content %}<p>Body</p>{% endblock %}'}
    context: dict[str, object] = {
        "title": "Patients",
        "user": user(role) if role else None,
        "csrf_token": "tok-123" if role else None,
        "flash": [],
        "nav_active": "",
    }
    context.update(extra)
    return env(**pages).get_template("page.html").render(**context)


# --- base.html -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "clinician", "patient"])
def test_base_renders_the_navigation_of_each_role(role: str) -> None:
    html = render_base(role, nav_active="patients" if role != "patient" else "diary")
    page = Page(html)
    assert not page.stack, f"unclosed tags: {page.stack}"
    nav_links = [
        (a["href"], "")
        for t, a in page.tags
        if t == "a" and a.get("href", "").startswith(("/patients", "/admin", "/me"))  # type: ignore[union-attr]
    ]
    assert [href for href, _ in nav_links] == [href for href, _ in NAV[role]]
    for _, label in NAV[role]:
        assert f">{label}</a>" in html
    current = page.find("a", **{"aria-current": "page"})
    assert [a["href"] for a in current] == [NAV[role][0][0]]
    # sign out: a POST form with the CSRF token
    (logout,) = page.find("form", action="/logout")
    assert logout["method"] == "post"
    assert page.find("input", type="hidden", name="csrf_token", value="tok-123")
    assert page.find("meta", name="csrf-token", content="tok-123")
    assert f"role-{role}" in html
    assert "dr.who" in html


def test_base_signed_out_has_no_navigation_and_no_token() -> None:
    page = Page(render_base(None))
    assert not page.find("nav")
    assert not page.find("form", action="/logout")
    assert page.find("meta", name="csrf-token", content="")


def test_base_has_the_assets_footer_and_title() -> None:
    html = render_base("clinician")
    page = Page(html)
    scripts = [a.get("src") for a in page.find("script")]
    assert scripts == ["/static/htmx.min.js", "/static/app.js"]
    assert all("defer" in a for a in page.find("script"))
    assert page.find("link", rel="stylesheet", href="/static/app.css")
    assert FOOTER in html
    assert "<title>Patients · Dystonia Workbench</title>" in html
    assert page.find("html", lang="en")
    assert page.find("main", id="main")
    assert page.find("a", href="#main")  # skip link
    (config,) = page.find("meta", name="htmx-config")
    assert '"includeIndicatorStyles": false' in (config["content"] or "")
    assert '"historyCacheSize": 0' in (config["content"] or "")


def test_title_block_overrides_and_flash_messages_are_escaped() -> None:
    pages = {
        "page.html": '{% extends "base.html" %}{% block title %}Own title{% endblock %}'
        "{% block content %}x{% endblock %}"
    }
    html = (
        env(**pages)
        .get_template("page.html")
        .render(
            title="ignored",
            user=user("clinician", name=HOSTILE),
            csrf_token=HOSTILE,
            flash=[("ok", "Saved."), ("error", HOSTILE), ("weird", "odd kind")],
            nav_active="patients",
        )
    )
    assert "<title>Own title</title>" in html
    assert "<script>alert" not in html
    page = Page(html)
    alerts = page.find("li")
    classes = [a.get("class") for a in alerts if "alert" in (a.get("class") or "")]
    assert classes == ["alert alert-ok", "alert alert-error", "alert alert-info"]
    roles = [a.get("role") for a in alerts if "alert" in (a.get("class") or "")]
    assert roles == ["status", "alert", "status"]
    assert page.find("meta", name="csrf-token", content=HOSTILE)  # escaped, parsed back intact


# --- _macros.html --------------------------------------------------------------------------


def macros(source: str, **context: object) -> str:
    template = (
        '{% from "_macros.html" import field, select, range_field, errors_summary, badge, csrf '
        "with context %}" + source
    )
    return env(m=template).get_template("m").render(**context)


def test_field_macro_labels_help_error_and_escapes() -> None:
    html = macros(
        '{{ field("birth_year", "Year of birth", type="number", value=v, error="Too early", '
        'required=True, help="Four digits", attrs={"min": 1900, "autofocus": True, "x": False}) }}',
        v=HOSTILE,
    )
    page = Page(html)
    (label,) = page.find("label")
    assert label["for"] == "birth_year"
    (control,) = page.find("input")
    assert control["id"] == "birth_year" and control["type"] == "number"
    assert control["value"] == HOSTILE and "<script>" not in html
    assert control["aria-invalid"] == "true"
    assert control["aria-describedby"] == "birth_year-help birth_year-error"
    assert control["min"] == "1900" and "autofocus" in control and "x" not in control
    assert "required" in control
    errors = [a for a in page.find("p") if a.get("class") == "field-error"]
    assert errors and errors[0]["id"] == "birth_year-error"
    assert "Too early" in html and "Four digits" in html


def test_field_macro_textarea_and_checkbox() -> None:
    html = macros(
        '{{ field("note", "Note", type="textarea", value="a < b") }}'
        '{{ field("pain_recorded", "Rate pain too", type="checkbox", value=True) }}'
    )
    assert '<textarea id="note" name="note">a &lt; b</textarea>' in html
    (box,) = Page(html).find("input", type="checkbox")
    assert "checked" in box and box["name"] == "pain_recorded"


def test_select_macro() -> None:
    html = macros(
        '{{ select("sex", "Sex", ["female", "male"], value="male", blank="—") }}'
        '{{ select("n", "Number", [(1, "one"), (2, "two")], value=2, error="Pick one") }}'
        '{{ select("m", "Mapping", {"a": "Alpha", "b": "Beta"}, value="a") }}'
    )
    page = Page(html)
    selected = [a["value"] for a in page.find("option") if "selected" in a]
    assert selected == ["male", "2", "a"]
    assert page.find("option", value="")  # the blank option
    assert page.find("select", id="n")[0]["aria-invalid"] == "true"


def test_range_field_macro_has_a_live_output() -> None:
    html = macros(
        '{{ range_field("severity_0_10", "How strong?", 0, 10, 1, 4, min_label="none", '
        'max_label="worst") }}'
    )
    page = Page(html)
    (slider,) = page.find("input", type="range")
    assert (slider["min"], slider["max"], slider["step"], slider["value"]) == ("0", "10", "1", "4")
    (output,) = page.find("output")
    assert output["for"] == slider["id"] == "severity_0_10"
    assert "0 · none" in html and "10 · worst" in html


def test_errors_summary_badge_and_csrf() -> None:
    html = macros(
        '{{ errors_summary({"display_name": "is required", "birth_year": m}) }}'
        '{{ errors_summary({}) }}{{ badge("clinician", "role-clinician") }}{{ badge("plain") }}'
        "{{ csrf() }}",
        m=HOSTILE,
        csrf_token="abc",
    )
    page = Page(html)
    assert [a["href"] for a in page.find("a")] == ["#display_name", "#birth_year"]
    assert "2 fields need attention" in html and "<script>" not in html
    assert html.count("errors-summary") == 1
    assert '<span class="badge badge-role-clinician">clinician</span>' in html
    assert '<span class="badge">plain</span>' in html
    assert page.find("input", type="hidden", name="csrf_token", value="abc")


def test_frame_and_macros_compile_strictly() -> None:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    for name in ("base.html", "_macros.html"):
        environment.get_template(name)


# --- static files and the Content-Security-Policy ------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"""[\s"']style\s*=""", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"""[\s"']on[a-z]+\s*=\s*["'{]""", re.IGNORECASE)
NEEDS_EVAL = re.compile(r"\bhx-on\b|hx-vals\s*=\s*['\"]\s*js:|javascript:", re.IGNORECASE)


def served_files() -> list[Path]:
    """Our templates and static files; the vendored htmx is checked by its hash instead."""
    files = [p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".svg", ".js", ".css"}]
    files += [
        p
        for p in STATIC.rglob("*")
        if p.suffix in {".html", ".svg", ".js", ".css"} and p.name != "htmx.min.js"
    ]
    return sorted(files)


def test_no_inline_script_or_style_anywhere() -> None:
    files = served_files()
    assert any(p.name == "base.html" for p in files) and any(p.name == "app.css" for p in files)
    problems = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for name, pattern in (
            ("inline <script>", INLINE_SCRIPT),
            ("style= attribute", STYLE_ATTRIBUTE),
            ("<style> element", STYLE_ELEMENT),
            ("inline event handler", EVENT_HANDLER),
            ("code that needs eval", NEEDS_EVAL),
        ):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(WEB)}:{line}: {name}: {match.group(0)!r}")
    assert not problems, "\n".join(problems)


def test_csp_checks_catch_what_they_should() -> None:
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">')
    assert not INLINE_SCRIPT.search('<script src="/static/app.js" defer></script>')
    assert STYLE_ATTRIBUTE.search('<p style="color:red">')
    assert not STYLE_ATTRIBUTE.search('<p class="muted">')
    assert STYLE_ELEMENT.search("<STYLE>p{}</STYLE>")
    assert EVENT_HANDLER.search('<button onclick="x()">')
    assert NEEDS_EVAL.search('<div hx-on:click="x()">')


def test_vendored_htmx_matches_its_record() -> None:
    record = (STATIC / "VENDORED.md").read_text(encoding="utf-8")
    row = next(line for line in record.splitlines() if line.startswith("| `htmx.min.js`"))
    version = re.search(r"\| (2\.0\.\d+) \|", row)
    digest = re.search(r"`([0-9a-f]{64})`", row)
    assert version and digest, row
    data = (STATIC / "htmx.min.js").read_bytes()
    assert hashlib.sha256(data).hexdigest() == digest.group(1)
    assert f'version:"{version.group(1)}"'.encode() in data
    assert "Zero-Clause BSD" in (STATIC / "htmx.LICENSE").read_text(encoding="utf-8")


def test_app_js_sends_the_csrf_token_and_keeps_requests_on_this_site() -> None:
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    assert "htmx:configRequest" in js
    assert '"X-CSRF-Token"' in js
    assert 'meta[name="csrf-token"]' in js
    assert "htmx.config.selfRequestsOnly = true" in js
    assert 'type === "range"' in js and "output" in js
    assert "eval(" not in js and "innerHTML" not in js


def test_app_css_defines_the_design_system() -> None:
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    for selector in (
        ".topbar", ".nav", ".card", ".table", ".field", ".field-error", ".btn-primary",
        ".btn-secondary", ".btn-danger", ".badge", ".badge-warn", ".badge-danger", ".badge-ok",
        ".disclaimer", ".rationale", ".timeline", ".portal", ".alert-ok", ".alert-warn",
        ".alert-error", ":focus-visible", ".sr-only", ".htmx-indicator", "figure.chart",
    ):  # fmt: skip
        assert re.search(re.escape(selector) + r"[\s,{:.\[>]", css), selector
    assert "@media print" in css
    assert "@import" not in css and "url(" not in css  # nothing from other sites, no fonts
    assert css.count("{") == css.count("}")
