"""The compliance officer's view: the register of processing activities (GDPR Art. 30),
who accessed what and when, and each project's extracts, retention dates and access
holders, as one standalone HTML page and three CSV files.

Everything is derived from what sovex already keeps, never typed by hand: the consent
regimes and per-purpose hosting requirements (the steward's files), the requests of the
governance store and their files (read only when their content still has the submitted
hash), the hosting targets, and the audit trail. A request whose file is gone or changed
since submission is listed under the purpose "unknown" with that fact, never left out.

The page holds ids, names of staff, dates and counts; no patient value ever reaches the
store or the audit trail it is built from. Every value is escaped and the page calls no
other host (`sovex.compliance_files` writes them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sovex.audit import AuditAction
from sovex.governance.status import RequestStatus
from sovex.model.errors import InvalidInput, SovexError
from sovex.model.purpose_requirements import POLICY_PARAMS, SECOND_APPROVAL
from sovex.model.request import ExtractRequest
from sovex.model.settings import Settings

if TYPE_CHECKING:
    from sovex.governance.store import RequestStore

UNKNOWN_PURPOSE = "unknown"
# The audit subject of a request's transitions (sovex.governance.database).
REQUEST_SUBJECT_PREFIX = "request:"
# What a compliance officer asks "who accessed what" about: reads of data and the grants
# and decisions that allowed them.
ACCESS_ACTIONS = (
    AuditAction.REQUEST_SUBMITTED,
    AuditAction.REQUEST_APPROVED,
    AuditAction.REQUEST_ENDORSED,
    AuditAction.REQUEST_WITHDRAWN,
    AuditAction.REQUEST_REJECTED,
    AuditAction.REQUEST_EXPIRED,
    AuditAction.REQUEST_RUN_STARTED,
    AuditAction.EXTRACT_PUBLISHED,
    AuditAction.EXTRACT_DOWNLOADED,
    AuditAction.EXTRACT_DELETED,
    AuditAction.ACCESS_GRANTED,
    AuditAction.ACCESS_REVOKED,
)


@dataclass(frozen=True)
class RequestFacts:
    """One request as the register sees it: the store's record and, when its file still
    holds the submitted content, that content."""

    status: RequestStatus
    request: ExtractRequest | None
    problem: str | None  # why the content could not be read

    @property
    def purpose(self) -> str:
        return UNKNOWN_PURPOSE if self.request is None else self.request.purpose


@dataclass(frozen=True)
class ProcessingActivity:
    """One line of the register: one research purpose."""

    purpose: str
    consent_regime: str
    hosting_requirements: str
    legal_bases: tuple[str, ...]
    data_categories: tuple[str, ...]
    recipients: tuple[str, ...]  # projects, with who asks for them
    storage: tuple[str, ...]  # targets: provider, region, country
    latest_retention: date | None
    safeguards: tuple[str, ...]
    requests: tuple[str, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class AccessEvent:
    at: str
    actor: str
    action: str
    subject: str
    project: str
    # Whose access a grant or revocation is about: the person, else the store identity.
    holder: str = ""
    # How the actor is known (authenticated, declared, system); "" in older records.
    actor_auth: str = ""


@dataclass(frozen=True)
class ProjectExtract:
    request_id: str
    state: str
    extract_id: str
    published_at: str
    retention_until: str


@dataclass(frozen=True)
class ProjectView:
    project: str
    extracts: tuple[ProjectExtract, ...]
    access_holders: tuple[str, ...]
    downloads: int


@dataclass(frozen=True)
class ComplianceView:
    generated_at: datetime
    activities: tuple[ProcessingActivity, ...]
    access: tuple[AccessEvent, ...]
    projects: tuple[ProjectView, ...]


def read_request_facts(statuses: Iterable[RequestStatus], load: Any) -> list[RequestFacts]:
    """Each request with its content when its file still holds what was submitted.

    `load(path)` reads and checks a request file (`RequestStore._load`)."""
    facts = []
    for status in statuses:
        path = status.submission.request_file
        try:
            request = load(path)
        except (SovexError, OSError) as error:
            facts.append(
                RequestFacts(status, None, f"request file unreadable: {type(error).__name__}")
            )
            continue
        if request.sha256() != status.submission.request_sha256:
            facts.append(RequestFacts(status, None, "request file changed since submission"))
            continue
        facts.append(RequestFacts(status, request, None))
    return facts


def processing_activities(
    facts: Sequence[RequestFacts],
    regimes: Mapping[str, str],
    requirements: Mapping[str, Mapping[str, bool]],
    targets: Mapping[str, str],
) -> list[ProcessingActivity]:
    """One activity per purpose the steward declares, plus any purpose requests name
    without a regime (they could not run, but they were asked for)."""
    by_purpose: dict[str, list[RequestFacts]] = defaultdict(list)
    for fact in facts:
        by_purpose[fact.purpose].append(fact)
    purposes = sorted(set(regimes) | set(by_purpose))
    activities = []
    for purpose in purposes:
        group = by_purpose.get(purpose, [])
        requests = [f.request for f in group if f.request is not None]
        required = requirements.get(purpose, {})
        activities.append(
            ProcessingActivity(
                purpose=purpose,
                consent_regime=regimes.get(purpose, "none declared: cannot run"),
                hosting_requirements=(
                    ", ".join(k for k, v in sorted(required.items()) if v and k in POLICY_PARAMS)
                    or "the deployment's"
                )
                + ("; review: two stewards approve" if required.get(SECOND_APPROVAL) else ""),
                legal_bases=tuple(sorted({r.legal_basis for r in requests})),
                data_categories=tuple(
                    sorted(
                        {
                            f"{t}: {', '.join(cols)}"
                            for r in requests
                            for t, cols in r.tables.items()
                        }
                    )
                ),
                recipients=tuple(
                    sorted(
                        {
                            f"{f.status.submission.project} ({f.status.submission.requester})"
                            for f in group
                        }
                    )
                ),
                storage=tuple(
                    sorted(
                        {targets.get(r.target, f"{r.target} (unknown target)") for r in requests}
                    )
                ),
                latest_retention=max((f.status.retention_until for f in group), default=None),
                safeguards=tuple(sorted({_safeguards(r) for r in requests})),
                requests=tuple(
                    sorted(f"{f.status.request_id} ({f.status.state.value})" for f in group)
                ),
                problems=tuple(
                    sorted(f"{f.status.request_id}: {f.problem}" for f in group if f.problem)
                ),
            )
        )
    return activities


def _safeguards(request: ExtractRequest) -> str:
    free_text = getattr(request, "free_text_mode", "tags")
    return (
        f"keyed pseudonyms per project; k = {request.k_threshold}; "
        f"small cells < {request.small_cell_threshold} hidden; free text: {free_text}"
    )


def access_events(
    records: Iterable[Mapping[str, Any]], request_projects: Mapping[str, str] | None = None
) -> list[AccessEvent]:
    """The audit records that say who read, granted, decided or deleted what; a record
    about a request without a project in its detail gets its request's project."""
    request_projects = request_projects or {}
    wanted = {action.value for action in ACCESS_ACTIONS}
    events = []
    for record in records:
        if record.get("action") not in wanted:
            continue
        detail = record.get("detail") or {}
        project = detail.get("project") if isinstance(detail, dict) else None
        if project is None and record["action"] in (
            AuditAction.ACCESS_GRANTED.value,
            AuditAction.ACCESS_REVOKED.value,
        ):
            project = record.get("subject")
        subject = str(record.get("subject", ""))
        if project is None and subject.startswith(REQUEST_SUBJECT_PREFIX):
            project = request_projects.get(subject.removeprefix(REQUEST_SUBJECT_PREFIX))
        holder = ""
        if isinstance(detail, dict):
            holder = str(detail.get("person") or detail.get("identity") or "")
        events.append(
            AccessEvent(
                at=str(record.get("at", "")),
                actor=str(record.get("actor", "")),
                action=str(record["action"]),
                subject=str(record.get("subject", "")),
                project=str(project or ""),
                holder=holder,
                actor_auth=str(record.get("actor_auth", "")),
            )
        )
    return events


def project_views(
    facts: Sequence[RequestFacts], events: Sequence[AccessEvent]
) -> list[ProjectView]:
    """Per project: its requests and extracts, who holds access now (granted and not
    revoked since, in audit order), and how many downloads the audit trail records."""
    projects = {f.status.submission.project for f in facts} | {
        e.project for e in events if e.project
    }
    holders: dict[str, dict[str, bool]] = defaultdict(dict)
    downloads: dict[str, int] = defaultdict(int)
    for event in events:
        if event.action == AuditAction.ACCESS_GRANTED.value:
            holders[event.project][event.holder or event.subject] = True
        elif event.action == AuditAction.ACCESS_REVOKED.value:
            holders[event.project][event.holder or event.subject] = False
        elif event.action == AuditAction.EXTRACT_DOWNLOADED.value:
            downloads[event.project] += 1
    views = []
    for project in sorted(projects):
        extracts = []
        for fact in sorted(facts, key=lambda f: f.status.request_id):
            if fact.status.submission.project != project:
                continue
            published = fact.status.published
            extracts.append(
                ProjectExtract(
                    request_id=fact.status.request_id,
                    state=fact.status.state.value,
                    extract_id="" if published is None else published.extract_id,
                    published_at="" if published is None else published.published_at.isoformat(),
                    retention_until=fact.status.retention_until.isoformat(),
                )
            )
        views.append(
            ProjectView(
                project=project,
                extracts=tuple(extracts),
                access_holders=tuple(sorted(h for h, held in holders[project].items() if held)),
                downloads=downloads[project],
            )
        )
    return views


# ---------------------------------------------------------------------- building --


def build_compliance_view(settings: Settings, now: datetime) -> ComplianceView:
    """The view of the deployment `settings` describes, as of `now`."""
    from sovex.audit import default_log_path
    from sovex.governance.store import RequestStore

    return compliance_view_of(
        RequestStore.for_settings(settings),
        infra_dir=settings.infra_dir,
        audit_path=default_log_path(settings.state_dir),
        now=now,
    )


def compliance_view_of(
    store: RequestStore, *, infra_dir: Path, audit_path: Path, now: datetime
) -> ComplianceView:
    """The view of one store's requests, the steward's files under `infra_dir` (regimes,
    purpose requirements) and the audit trail at `audit_path`."""
    from sovex.audit import AuditLog
    from sovex.model.purpose_requirements import load_purpose_requirements, requirements_file
    from sovex.model.request import load_request
    from sovex.model.target import list_targets, load_target
    from transforms.consent_regimes import load_regimes, regimes_file

    facts = read_request_facts(
        store.list_requests(),
        lambda path: load_request(path, store.catalogs_dir, store.targets_dir),
    )
    regimes = load_regimes(regimes_file(infra_dir)).regimes
    requirements = load_purpose_requirements(requirements_file(infra_dir))
    targets = {}
    for path in list_targets(store.targets_dir):
        try:
            target = load_target(path)
        except InvalidInput:
            continue  # `sovex policy report` lists invalid target files; no request ran on one
        targets[target.name] = (
            f"{target.name}: {target.provider}, {target.region}, {target.country}"
        )
    records = AuditLog(audit_path).records() if audit_path.exists() else iter(())
    events = access_events(
        records, {f.status.request_id: f.status.submission.project for f in facts}
    )
    return ComplianceView(
        generated_at=now,
        activities=tuple(
            processing_activities(
                facts, {p: r.value for p, r in regimes.items()}, requirements, targets
            )
        ),
        access=tuple(events),
        projects=tuple(project_views(facts, events)),
    )
