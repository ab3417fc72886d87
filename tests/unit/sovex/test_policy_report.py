from __future__ import annotations

import html
import json
import shutil
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from policies.evaluator import policy_bundle_sha256
from sovex import policy_report
from sovex.model.errors import EXIT_POLICY_REFUSED, InvalidInput
from sovex.model.settings import PROJECT_ROOT, Settings, settings_from_environ
from sovex.model.target import list_targets, load_target
from sovex.policy_audit import InUseTargetRefused, audit_dir, audit_targets
from sovex.policy_report import (
    HTML_REPORT_NAME,
    MARKDOWN_REPORT_NAME,
    review_targets,
    write_policy_report,
)
from transforms.offline_html import ExternalUrlFound, external_urls

TARGETS_DIR = PROJECT_ROOT / "infra" / "targets"
REPORT_DAY = date(2026, 11, 30)
# Elements HTML never closes.
VOID_ELEMENTS = frozenset({"meta", "br", "hr", "img", "input", "link", "col", "wbr"})
IN_USE = {"local-seaweedfs", "ovhcloud-gra", "scaleway-par"}


class _WellFormedness(HTMLParser):
    """Every opened element is closed in order; records text of summary-table rows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.cells: list[str] = []
        self.rows: list[list[str]] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("td", "th"):
            self._in_cell = True
            self.cells.append("")
        if tag == "tr":
            self.cells = []
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._in_cell = False
        if tag == "tr":
            self.rows.append(self.cells)
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells[-1] += data


def parse(html_text: str) -> _WellFormedness:
    parser = _WellFormedness()
    parser.feed(html_text)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    out = tmp_path_factory.mktemp("report")
    html_path, markdown_path = write_policy_report(TARGETS_DIR, out, generated_on=REPORT_DAY)
    assert (html_path, markdown_path) == (out / HTML_REPORT_NAME, out / MARKDOWN_REPORT_NAME)
    return html_path.read_text(encoding="utf-8"), markdown_path.read_text(encoding="utf-8")


def expected_verdicts() -> dict[str, str]:
    return {review.name: review.verdict for review in review_targets(TARGETS_DIR)}


def test_both_report_files_are_written(report):
    html_text, markdown_text = report
    assert html_text.startswith("<!DOCTYPE html>")
    assert markdown_text.startswith("# sovex hosting policy review")


def test_the_html_report_is_well_formed(report):
    parsed = parse(report[0])
    assert parsed.errors == []
    assert parsed.stack == []


def test_the_html_report_is_standalone_with_no_external_asset(report):
    parsed = parse(report[0])
    assert not [tag for tag, _ in parsed.tags if tag in ("link", "script", "img", "iframe")]
    assert not [a for _, attrs in parsed.tags for k, a in attrs.items() if k in ("src", "href")]
    assert "<style>" in report[0]


def test_the_html_report_names_no_url_a_browser_would_load_or_follow(report):
    # Endpoints and registry sources are shown as text; none is in an attribute, a style
    # or a script, so opening the report calls no host.
    assert "https://" in report[0]
    assert external_urls(report[0]) == []


def test_a_report_that_would_name_a_remote_asset_is_not_written(tmp_path, monkeypatch):
    page = '<html><head><link rel="stylesheet" href="https://cdn.example/b.css"></head></html>'
    monkeypatch.setattr(policy_report, "render_html", lambda blocks: page)

    with pytest.raises(ExternalUrlFound, match=r"https://cdn\.example/b\.css"):
        write_policy_report(TARGETS_DIR, tmp_path, generated_on=REPORT_DAY)
    assert not (tmp_path / HTML_REPORT_NAME).exists()


def test_every_target_appears_in_the_summary_table_with_its_verdict(report):
    rows = {row[0]: row for row in parse(report[0]).rows if len(row) == 7}
    verdicts = expected_verdicts()
    assert len(verdicts) == len(list_targets(TARGETS_DIR))
    for name, verdict in verdicts.items():
        assert rows[name][5] == verdict
        assert rows[name][4] == ("yes" if name in IN_USE else "no")
    markdown_text = report[1]
    for name, verdict in verdicts.items():
        assert f"| {name} |" in markdown_text
        assert f"## Target {name}: {verdict}" in markdown_text


def test_the_allowed_and_refused_targets_are_the_policys(report):
    verdicts = expected_verdicts()
    assert {name for name, v in verdicts.items() if v == "allowed"} == IN_USE
    assert verdicts["aws-eu-west-3-paris"] == "refused"


def test_refusal_reasons_appear_with_their_codes_and_the_facts_behind_them(report):
    html_text, markdown_text = report
    for text in (markdown_text, html.unescape(html_text)):
        assert "OPERATOR_NON_EU_JURISDICTION: operator Amazon Web Services EMEA SARL" in text
        assert "ENDPOINT_REGION_MISMATCH: endpoint host s3.sbg.io.cloud.ovh.net" in text
        assert "TLS_REQUIRED" in text
        assert "PROVIDER_UNKNOWN: provider 'acme-cloud' is not in the provider registry" in text
        assert "Infomaniak Network SA" in text
        assert "Akenes SA (Exoscale)" in text
        assert "esante.gouv.fr list of HDS-certified hosts" in text
        assert "as reviewed 2026-11" in text


def test_the_header_names_the_date_the_bundle_hash_and_the_parameters_in_force(report):
    for text in report:
        assert REPORT_DAY.isoformat() in text
        assert policy_bundle_sha256() in text
        assert "allow_eea_adequacy" in text
        assert "require_hds" in text


def test_the_provider_registry_is_listed_with_its_jurisdictions(report):
    markdown_text = report[1]
    assert "## Provider registry" in markdown_text
    assert "| ovhcloud-us | OVH US LLC | US | OVH Groupe SA (FR) | no | US CLOUD Act |" in (
        markdown_text
    )
    assert "Google LLC (US) → Alphabet Inc. (US)" in markdown_text


def test_the_parameters_change_the_verdicts_and_are_shown_as_on(tmp_path):
    _, markdown_path = write_policy_report(
        TARGETS_DIR, tmp_path, {"allow_eea_adequacy": True, "require_hds": True}
    )
    text = markdown_path.read_text(encoding="utf-8")
    assert "| allow_eea_adequacy | on |" in text
    assert "| require_hds | on |" in text
    assert "## Target self-hosted-oslo: refused" in text  # HDS now missing
    assert "## Target ovhcloud-gra: allowed" in text
    assert "| In-use or unreadable targets refused | local-seaweedfs |" in text


def test_invalid_parameters_are_invalid_input(tmp_path):
    with pytest.raises(InvalidInput, match="unknown policy parameter"):
        write_policy_report(TARGETS_DIR, tmp_path, {"require_hsd": True})


def test_an_invalid_target_file_is_reported_as_invalid_and_its_values_are_escaped(tmp_path):
    targets = tmp_path / "targets"
    targets.mkdir()
    shutil.copy(TARGETS_DIR / "ovhcloud-gra.yaml", targets)
    (targets / "broken.yaml").write_text(
        "name: broken\nprovider: ovhcloud\nregion: gra\ncountry: '<script>alert(1)</script>'\n"
        "endpoint: https://s3.gra.io.cloud.ovh.net\nbucket: sovex-extracts\n"
        "credentials: {source: env, access_key_var: A, secret_key_var: B}\n",
        encoding="utf-8",
    )
    html_path, markdown_path = write_policy_report(targets, tmp_path / "out")
    html_text = html_path.read_text(encoding="utf-8")
    assert "<script>" not in html_text
    assert "&lt;script&gt;" in html_text
    assert parse(html_text).errors == []
    markdown_text = markdown_path.read_text(encoding="utf-8")
    assert "## Target broken: invalid file" in markdown_text
    assert "<script>" not in markdown_text


# ---------------------------------------------------------------------- the audit --


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    infra = tmp_path / "infra"
    shutil.copytree(PROJECT_ROOT / "infra" / "targets", infra / "targets")
    base = settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path / "state")})
    return replace(base, infra_dir=infra)


def test_the_audit_passes_and_reports_every_decision_when_in_use_targets_are_allowed(settings):
    summary = audit_targets(settings)
    json.dumps(summary)  # JSON-able, for XCom
    assert summary["in_use_refused"] == []
    assert summary["policy_bundle_sha256"] == policy_bundle_sha256()
    by_name = {t["target"]: t for t in summary["targets"]}
    assert set(by_name) == {p.stem for p in list_targets(settings.targets_dir)}
    assert by_name["aws-us-east-1"]["allowed"] is False
    assert {r["code"] for r in by_name["aws-us-east-1"]["reasons"]} == {
        "COUNTRY_NOT_EU",
        "OPERATOR_NON_EU_JURISDICTION",
    }
    assert {n for n, t in by_name.items() if t["in_use"]} == IN_USE


def test_the_audit_fails_loudly_when_an_in_use_target_becomes_refused(settings):
    path = settings.targets_dir / "scaleway-par.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("s3.fr-par.scw.cloud", "s3.nl-ams.scw.cloud"),
        encoding="utf-8",
    )
    with pytest.raises(InUseTargetRefused) as raised:
        audit_targets(settings)
    assert raised.value.exit_code == EXIT_POLICY_REFUSED
    assert list(raised.value.refused) == ["scaleway-par"]
    assert "ENDPOINT_REGION_MISMATCH" in str(raised.value)


def test_a_refused_target_that_is_not_in_use_does_not_fail_the_audit(settings):
    assert not load_target(settings.targets_dir / "aws-us-east-1.yaml").in_use
    assert audit_targets(settings)["in_use_refused"] == []


def test_an_unreadable_in_use_target_fails_the_audit(settings):
    (settings.targets_dir / "ovhcloud-gra.yaml").write_text("in_use: true\n", encoding="utf-8")
    with pytest.raises(InUseTargetRefused, match="ovhcloud-gra"):
        audit_targets(settings)


def test_require_hds_fails_the_audit_for_the_local_demo_target(settings):
    with pytest.raises(InUseTargetRefused) as raised:
        audit_targets(settings, {"require_hds": True})
    assert list(raised.value.refused) == ["local-seaweedfs"]


def test_the_audit_writes_its_report_before_failing(settings):
    report_dir = audit_dir(settings, REPORT_DAY)
    assert report_dir == settings.state_dir / "policy-audit" / "2026-11-30"
    with pytest.raises(InUseTargetRefused):
        audit_targets(
            settings, {"require_hds": True}, report_dir=report_dir, logical_date=REPORT_DAY
        )
    text = (report_dir / MARKDOWN_REPORT_NAME).read_text(encoding="utf-8")
    assert "| In-use or unreadable targets refused | local-seaweedfs |" in text
    assert "| Date | 2026-11-30 |" in text
