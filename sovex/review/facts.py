"""What a reviewer sees of one request, besides its file: the diff from the last approved
version, the hosting decision, the purpose's consent regime and a dry-run cohort count.

Counts only: the dry run selects the cohort and applies the consent gate as a run would,
and keeps the numbers; no identifier leaves this module. Each fact that cannot be had (the
local store stopped, no consent loaded) is shown as unavailable with its reason, never
guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sovex.governance.review_rules import approvals_needed, standing_endorsements
from sovex.governance.status import RequestStatus
from sovex.governance.transitions import Operation
from sovex.governance.versions import read_version, version_diff, versions_dir
from sovex.model.errors import SovexError
from sovex.model.purpose_requirements import second_approval_required

if TYPE_CHECKING:
    from sovex.model.request import ExtractRequest
    from sovex.model.settings import Settings


@dataclass(frozen=True)
class ReviewFacts:
    status: RequestStatus
    content: str | None  # the submitted file, as submitted
    diff: list[str]  # unified diff from the last approved version (all new when none)
    diff_base: str | None  # the approved sha256 the diff starts from
    hosting: str  # "allowed" / "refused: …" / "unavailable: …"
    regime: str
    cohort: str  # counts, or why there are none
    approvals_needed: int
    votes: list[str] = field(default_factory=list)  # stewards who approved this version


def last_approved_sha256(status: RequestStatus) -> str | None:
    approved = [t for t in status.history if t.operation is Operation.APPROVE]
    return approved[-1].request_sha256 if approved else None


def _hosting(settings: Settings, request: ExtractRequest) -> str:
    from sovex.storage_access import decide_for_target

    try:
        decision, target, _ = decide_for_target(settings, request.target, request.purpose)
    except SovexError as error:
        return f"unavailable: {str(error).splitlines()[0]}"
    if decision.allowed:
        return f"allowed: {target.name} ({target.provider}, {target.country})"
    return "refused: " + "; ".join(r.message for r in decision.reasons)


def _regime(settings: Settings, request: ExtractRequest) -> str:
    from transforms.consent_regimes import load_regimes, regimes_file

    try:
        return str(load_regimes(regimes_file(settings.infra_dir)).regime_for(request.purpose))
    except SovexError as error:
        return f"unavailable: {str(error).splitlines()[0]}"


def dry_run_counts(settings: Settings, request: ExtractRequest) -> str:
    """How many patients the cohort filters match and how many the consent gate keeps
    today; numbers only."""
    from sovex.model.catalog import load_catalog
    from transforms.cohort import select_cohort
    from transforms.consent_regimes import load_regimes, regimes_file
    from transforms.consent_registry import apply_registry_consent
    from transforms.source import open_source

    try:
        catalog = load_catalog(settings.catalogs_dir / f"{request.source}.yaml")
        source = open_source(settings.source_dir, settings.source_url)
        cohort = select_cohort(
            source, catalog.person_table, catalog.person_id_column, list(request.cohort)
        )
        now = datetime.now(UTC)
        outcome = apply_registry_consent(
            settings.consent_registry_db,
            load_regimes(regimes_file(settings.infra_dir)),
            cohort,
            request.purpose,
            now.date(),
            now,
        )
    except (SovexError, OSError) as error:
        return f"unavailable: {str(error).splitlines()[0] if str(error) else type(error).__name__}"
    return (
        f"{len(cohort)} patient(s) match the cohort filters; {len(outcome.included)} with "
        "consent covering the purpose today"
    )


def review_facts(settings: Settings, status: RequestStatus, *, with_cohort: bool) -> ReviewFacts:
    from sovex.model.request import load_request

    root = versions_dir(settings.state_dir)
    sha256 = status.submission.request_sha256
    content = read_version(root, status.request_id, sha256)
    base = last_approved_sha256(status)
    before = None if base is None else read_version(root, status.request_id, base)
    # Nothing approved yet: the content above is all new, no diff to show.
    diff = (
        []
        if content is None or base is None or base == sha256
        else version_diff(before, content, f"approved {base[:12]}", f"submitted {sha256[:12]}")
    )
    try:
        request = load_request(
            status.submission.request_file, settings.catalogs_dir, settings.targets_dir
        )
    except SovexError as error:
        problem = f"unavailable: {str(error).splitlines()[0]}"
        return ReviewFacts(status, content, diff, base, problem, problem, problem, 1)
    if request.sha256() != sha256:
        changed = "unavailable: the file changed since it was submitted"
        return ReviewFacts(status, content, diff, base, changed, changed, changed, 1)
    needed = approvals_needed(second_approval_required(settings.infra_dir, request.purpose))
    votes = [vote.actor for vote in standing_endorsements(status.history, sha256)]
    return ReviewFacts(
        status,
        content,
        diff,
        base,
        _hosting(settings, request),
        _regime(settings, request),
        dry_run_counts(settings, request) if with_cohort else "not computed",
        needed,
        votes,
    )
