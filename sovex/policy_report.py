"""The compliance review of every hosting target: `policy-report.html` and `.md`.

Both files are rendered from the same list of blocks (headings, paragraphs, tables,
lists), so they say the same thing. The HTML is standalone: inline CSS, no external
asset, checked by `offline_html.external_urls` before it is written (a URL appears only as
text, such as a target's endpoint, never in an attribute, a style or a script). Every
value is escaped. A target file that cannot be read appears with the verdict "invalid
file" and its problems: it is never left out.

One module, long on purpose: the review of each target and both renderings (HTML through
`templates/policy_report.html`, Markdown) use the same blocks, so they say the same thing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from policies.evaluator import (
    POLICY_PARAMETERS,
    REASON_CODES,
    Decision,
    effective_params,
    evaluate_target,
    load_registry,
    policy_bundle_sha256,
)
from sovex.model.errors import InvalidInput
from sovex.model.target import HostingTarget, list_targets, load_target
from transforms.offline_html import ExternalUrlFound, external_urls

HTML_REPORT_NAME = "policy-report.html"
MARKDOWN_REPORT_NAME = "policy-report.md"
REPORT_TITLE = "sovex hosting policy review"
VERDICT_ALLOWED = "allowed"
VERDICT_REFUSED = "refused"
VERDICT_INVALID = "invalid file"
NONE_TEXT = "none"

CSS = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto;
       padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 { border-bottom: 2px solid #1a1a1a; padding-bottom: .3rem; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #bbb; }
table { border-collapse: collapse; margin: .6rem 0 1.2rem; width: 100%; }
th, td { border: 1px solid #bbb; padding: .3rem .5rem; text-align: left;
         vertical-align: top; font-size: .92rem; }
th { background: #f0f0f0; }
code { font-size: .88rem; }
.allowed { color: #0a6b2d; font-weight: bold; }
.refused, .invalid-file { color: #a40000; font-weight: bold; }
"""


@dataclass(frozen=True)
class TargetReview:
    """One target file and the policy's decision on it (or why it could not be read)."""

    path: Path
    target: HostingTarget | None
    decision: Decision | None
    problems: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.target.name if self.target else self.path.stem

    @property
    def verdict(self) -> str:
        if self.decision is None:
            return VERDICT_INVALID
        return VERDICT_ALLOWED if self.decision.allowed else VERDICT_REFUSED

    @property
    def in_use(self) -> bool:
        return bool(self.target and self.target.in_use)


def review_targets(targets_dir: Path, params: dict[str, Any] | None = None) -> list[TargetReview]:
    """The policy's decision for every target file in `targets_dir`, sorted by name.

    `endpoint: local` is judged as the loopback server it always is; a review does not
    need the local server to be running.
    """
    reviews = []
    for path in list_targets(targets_dir):
        try:
            target = load_target(path)
        except InvalidInput as error:
            reviews.append(TargetReview(path, None, None, tuple(error.problems)))
            continue
        reviews.append(TargetReview(path, target, evaluate_target(target, params=params)))
    return reviews


def write_policy_report(
    targets_dir: Path,
    out_dir: Path,
    params: dict[str, Any] | None = None,
    *,
    generated_on: date | None = None,
) -> tuple[Path, Path]:
    """Write `policy-report.html` and `policy-report.md` in `out_dir`; return both paths.

    Invalid `params` raise InvalidInput: a review must state the parameters in force.
    """
    try:
        in_force = effective_params(params)
    except ValueError as error:
        raise InvalidInput(f"policy parameters: {error}") from error
    reviews = review_targets(targets_dir, in_force)
    blocks = _report_blocks(
        reviews,
        registry=load_registry(),
        params=in_force,
        bundle_hash=policy_bundle_sha256(),
        generated_on=generated_on or datetime.now(UTC).date(),
        targets_dir=targets_dir,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / HTML_REPORT_NAME
    markdown_path = out_dir / MARKDOWN_REPORT_NAME
    html_text = render_html(blocks)
    if urls := external_urls(html_text):  # a page a browser opens must call no other host
        raise ExternalUrlFound({HTML_REPORT_NAME: urls})
    html_path.write_text(html_text, encoding="utf-8")
    markdown_path.write_text(render_markdown(blocks), encoding="utf-8")
    return html_path, markdown_path


# ------------------------------------------------------------------------- blocks --


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str | None = None


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # Column index holding a verdict, styled in HTML.
    verdict_column: int | None = None


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]


Block = Heading | Paragraph | Table | BulletList


def _report_blocks(
    reviews: list[TargetReview],
    *,
    registry: dict[str, Any],
    params: dict[str, bool],
    bundle_hash: str,
    generated_on: date,
    targets_dir: Path,
) -> list[Block]:
    providers = registry["providers"]
    refused_in_use = [
        r.name
        for r in reviews
        if r.verdict == VERDICT_INVALID or (r.in_use and r.verdict != VERDICT_ALLOWED)
    ]
    blocks: list[Block] = [
        Heading(1, REPORT_TITLE),
        Table(
            ("", ""),
            (
                ("Date", generated_on.isoformat()),
                ("Policy bundle sha256", bundle_hash),
                ("Targets folder", str(targets_dir)),
                ("Targets reviewed", str(len(reviews))),
                ("In-use or unreadable targets refused", ", ".join(refused_in_use) or NONE_TEXT),
            ),
        ),
        Paragraph(
            "Extracts of health data may only be published to storage hosted AND operated "
            "under exclusive EU jurisdiction: the storage country must be an EU member "
            "state, and the operator and every company controlling it must be established "
            "in the EU (an EU region of a US-controlled operator is refused: the US CLOUD "
            "Act follows the operator). The endpoint must be the declared provider's host "
            "for the declared region, over https. Every rule fails closed."
        ),
        Heading(2, "Parameters in force"),
        Table(
            ("Parameter", "Value", "Meaning"),
            tuple(
                (name, "on" if params[name] else "off", POLICY_PARAMETERS[name])
                for name in sorted(params)
            ),
        ),
        Heading(2, "Summary"),
        Table(
            ("Target", "Provider", "Region", "Country", "In use", "Verdict", "Reason codes"),
            tuple(_summary_row(review) for review in reviews),
            verdict_column=5,
        ),
    ]
    for review in reviews:
        blocks.extend(_target_blocks(review, providers))
    blocks.extend(
        [
            Heading(2, "Reason codes"),
            Table(("Code", "Meaning"), tuple(sorted(REASON_CODES.items()))),
            Heading(2, "Provider registry"),
            Paragraph(
                "policies/data/providers.yaml, reviewed by the compliance officer; every "
                "change to it changes the policy bundle hash above."
            ),
            Table(
                (
                    "Key",
                    "Legal entity",
                    "Seat",
                    "Controlled by",
                    "Exclusive EU jurisdiction",
                    "Extraterritorial exposure",
                    "Certifications",
                    "Regions (country)",
                ),
                tuple(_registry_row(key, entry) for key, entry in sorted(providers.items())),
            ),
            Heading(3, "Sources of the registry facts"),
            Table(
                ("Key", "Facts", "Source", "Date"),
                tuple(
                    (key, ", ".join(source["facts"]), source["source"], source["date"])
                    for key, entry in sorted(providers.items())
                    for source in entry["sources"]
                ),
            ),
        ]
    )
    return blocks


def _summary_row(review: TargetReview) -> tuple[str, ...]:
    target = review.target
    codes = (
        ", ".join(sorted({r.code for r in review.decision.reasons}))
        if review.decision
        else "INVALID_TARGET_FILE"
    )
    return (
        review.name,
        target.provider if target else "?",
        target.region if target else "?",
        target.country if target else "?",
        "yes" if review.in_use else "no",
        review.verdict,
        codes or NONE_TEXT,
    )


def _target_blocks(review: TargetReview, providers: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [Heading(2, f"Target {review.name}: {review.verdict}", review.name)]
    target = review.target
    if target is None or review.decision is None:
        blocks.append(Paragraph(f"The target file {review.path.name} cannot be used:"))
        blocks.append(BulletList(review.problems))
        return blocks
    blocks.append(
        Table(
            ("Field", "Value"),
            (
                ("File", review.path.name),
                ("Provider", target.provider),
                ("Region", target.region),
                ("Storage country (declared)", target.country),
                ("Endpoint", target.endpoint),
                ("Bucket", target.bucket),
                ("In use (extracts may be published here)", "yes" if target.in_use else "no"),
                ("Verdict", review.verdict),
            ),
            verdict_column=1,
        )
    )
    if review.decision.reasons:
        blocks.append(Heading(3, "Why it is refused"))
        blocks.append(BulletList(tuple(f"{r.code}: {r.message}" for r in review.decision.reasons)))
    else:
        blocks.append(Paragraph("Every rule of the hosting policy is met."))
    entry = providers.get(target.provider)
    blocks.append(Heading(3, "Facts behind the decision"))
    if entry is None:
        blocks.append(Paragraph(f"Provider {target.provider!r} is not in the provider registry."))
        return blocks
    region = entry["regions"].get(target.region)
    blocks.append(
        Table(
            ("Fact", "Value"),
            (
                ("Provider", entry["display_name"]),
                ("Operator (legal entity)", entry["legal_entity"]),
                ("Operator seat", entry["seat_country"] or "the declared storage country"),
                ("Controlled by", _parents_text(entry)),
                ("Exclusive EU jurisdiction (registry)", _jurisdiction_text(entry)),
                ("Extraterritorial exposure", entry["extraterritorial_exposure"] or NONE_TEXT),
                ("Region's storage country (registry)", _region_text(entry, region)),
                ("Certifications", _certifications_text(entry)),
                ("Notes", entry.get("notes") or NONE_TEXT),
            ),
        )
    )
    if entry["sources"]:
        blocks.append(
            BulletList(
                tuple(
                    f"{', '.join(s['facts'])}: {s['source']} (as reviewed {s['date']})"
                    for s in entry["sources"]
                )
            )
        )
    return blocks


def _registry_row(key: str, entry: dict[str, Any]) -> tuple[str, ...]:
    regions = ", ".join(f"{name} ({r['country']})" for name, r in sorted(entry["regions"].items()))
    return (
        key,
        entry["legal_entity"],
        entry["seat_country"] or "declared by the target",
        _parents_text(entry),
        _jurisdiction_text(entry),
        entry["extraterritorial_exposure"] or NONE_TEXT,
        _certifications_text(entry),
        regions or NONE_TEXT,
    )


def _parents_text(entry: dict[str, Any]) -> str:
    chain = [f"{p['name']} ({p['jurisdiction_country']})" for p in entry["parents"]]
    return " → ".join(chain) or NONE_TEXT


def _jurisdiction_text(entry: dict[str, Any]) -> str:
    if entry.get("jurisdiction_from_target_country"):
        return "that of the declared storage country (the organisation's own servers)"
    return "yes" if entry["exclusive_eu_jurisdiction"] else "no"


def _region_text(entry: dict[str, Any], region: dict[str, Any] | None) -> str:
    if entry.get("jurisdiction_from_target_country"):
        return "declared by the target (self-hosted)"
    if region is None:
        return "region not in the registry"
    hosts = ", ".join(region["hosts"]) or "no host names this region"
    return f"{region['country']} (endpoints: {hosts})"


def _certifications_text(entry: dict[str, Any]) -> str:
    parts = []
    for cert in entry["certifications"]:
        scope = f", scope: {cert['scope']}" if cert.get("scope") else ""
        parts.append(f"{cert['name']} ({cert['source']}, as reviewed {cert['date']}{scope})")
    return "; ".join(parts) or "none recorded"


# ---------------------------------------------------------------------- rendering --


# Every value is escaped (autoescape): no text of a target or a registry entry is read as
# HTML. Blocks are told apart by their `kind`.
TEMPLATES_DIR = Path(__file__).parent / "templates"


@functools.cache
def _html_template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True, keep_trailing_newline=True
    )
    return environment.get_template("policy_report.html")


def _block_kind(block: Block) -> str:
    if isinstance(block, Heading):
        return "heading"
    if isinstance(block, Paragraph):
        return "paragraph"
    return "list" if isinstance(block, BulletList) else "table"


def render_html(blocks: list[Block]) -> str:
    title = next((b.text for b in blocks if isinstance(b, Heading)), REPORT_TITLE)
    return _html_template().render(
        title=title,
        css=markupsafe.Markup(CSS),
        blocks=[{"kind": _block_kind(block), **vars(block)} for block in blocks],
        verdicts=(VERDICT_ALLOWED, VERDICT_REFUSED, VERDICT_INVALID),
    )


def render_markdown(blocks: list[Block]) -> str:
    return "\n\n".join(_markdown_block(block) for block in blocks) + "\n"


def _markdown_block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"{'#' * block.level} {_markdown_text(block.text)}"
    if isinstance(block, Paragraph):
        return _markdown_text(block.text)
    if isinstance(block, BulletList):
        return "\n".join(f"- {_markdown_text(item)}" for item in block.items)
    headers = [_markdown_cell(h) for h in block.headers]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines.extend("| " + " | ".join(_markdown_cell(c) for c in row) + " |" for row in block.rows)
    return "\n".join(lines)


def _markdown_text(text: str) -> str:
    # One line per block; angle brackets escaped so no value is read as HTML.
    return " ".join(text.split()).replace("<", "&lt;").replace(">", "&gt;")


def _markdown_cell(text: str) -> str:
    return _markdown_text(text).replace("|", "\\|") or " "
