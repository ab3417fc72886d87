"""The compliance view's files: one standalone HTML page and three CSV files
(`sovex.compliance_view` builds what they say).

The page is rendered with autoescape and checked to call no other host; CSV cells that a
spreadsheet would read as a formula are quoted. Files are 0600 (they name staff and
projects), each written beside and renamed, so a failure leaves no half file.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import jinja2

from sovex.compliance_view import ComplianceView, ProjectExtract
from sovex.model.errors import InvalidInput
from transforms.offline_html import ExternalUrlFound, external_urls

HTML_NAME = "compliance-view.html"
REGISTER_CSV = "register.csv"
ACCESS_CSV = "access.csv"
PROJECTS_CSV = "projects.csv"
OUTPUT_FILE_MODE = 0o600


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("sovex", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def render_html(view: ComplianceView) -> str:
    return _TEMPLATES.get_template("compliance_view.html").render(view=view)


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        # A cell starting with = + - @ would be a formula in a spreadsheet: quote it.
        writer.writerow(["'" + c if c[:1] in "=+-@" else c for c in map(str, row)])
    return out.getvalue()


def register_csv(view: ComplianceView) -> str:
    return _csv(
        (
            "purpose",
            "consent_regime",
            "hosting_requirements",
            "legal_bases",
            "data_categories",
            "recipients",
            "storage",
            "latest_retention",
            "safeguards",
            "requests",
            "problems",
        ),
        (
            (
                a.purpose,
                a.consent_regime,
                a.hosting_requirements,
                "; ".join(a.legal_bases),
                "; ".join(a.data_categories),
                "; ".join(a.recipients),
                "; ".join(a.storage),
                "" if a.latest_retention is None else a.latest_retention.isoformat(),
                "; ".join(a.safeguards),
                "; ".join(a.requests),
                "; ".join(a.problems),
            )
            for a in view.activities
        ),
    )


def access_csv(view: ComplianceView) -> str:
    return _csv(
        ("at", "actor", "actor_auth", "action", "subject", "project"),
        ((e.at, e.actor, e.actor_auth, e.action, e.subject, e.project) for e in view.access),
    )


def projects_csv(view: ComplianceView) -> str:
    rows = []
    for project in view.projects:
        holders = "; ".join(project.access_holders)
        for extract in project.extracts or (ProjectExtract("", "", "", "", ""),):
            rows.append(
                (
                    project.project,
                    extract.request_id,
                    extract.state,
                    extract.extract_id,
                    extract.published_at,
                    extract.retention_until,
                    holders,
                    project.downloads,
                )
            )
    return _csv(
        (
            "project",
            "request_id",
            "state",
            "extract_id",
            "published_at",
            "retention_until",
            "access_holders",
            "downloads",
        ),
        rows,
    )


def write_compliance_view(view: ComplianceView, out_dir: Path) -> dict[str, Path]:
    """Write the page and the three CSV files (0600: they name staff and projects);
    each file is written beside and renamed, so a failure leaves no half file."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(f"option '--out': {out_dir} is not a folder")
    html_text = render_html(view)
    if urls := external_urls(html_text):  # the page must call no other host
        raise ExternalUrlFound({HTML_NAME: urls})
    contents = {
        HTML_NAME: html_text,
        REGISTER_CSV: register_csv(view),
        ACCESS_CSV: access_csv(view),
        PROJECTS_CSV: projects_csv(view),
    }
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    written = {}
    for name, text in contents.items():
        final = out_dir / name
        partial = out_dir / f".{name}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OUTPUT_FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(partial, final)
        written[name] = final
    return written
