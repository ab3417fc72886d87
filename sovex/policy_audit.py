"""Daily re-evaluation of every hosting target (the `policy_audit` DAG's one task).

The provider registry or the policy may change, and so may a target file: a target that
published extracts may go to (`in_use: true`) and that the policy now refuses must stop
everyone loudly, not wait for the next run to be refused. Every decision is returned as
a JSON-able summary; the compliance report is written first, so the evidence exists even
when the audit fails.

A bucket can change too (object lock off in a new bucket, versioning suspended, default
encryption removed, keys rotated): `audit_buckets` asks the bucket of every in-use target
the policy allows what it can do, as every run does first, and fails loudly naming each
target that lost a capability or does not answer. Its summary holds counts and names only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from policies.evaluator import effective_params, policy_bundle_sha256
from sovex.model.errors import EXIT_POLICY_REFUSED, InvalidInput, SovexError, UserError
from sovex.model.settings import Settings
from sovex.model.target import list_targets, load_target
from sovex.policy_report import VERDICT_ALLOWED, TargetReview, review_targets, write_policy_report

AUDIT_DIR_NAME = "policy-audit"


class InUseTargetRefused(UserError):
    """A target marked in_use is refused by the hosting policy, or a target file is invalid."""

    exit_code = EXIT_POLICY_REFUSED

    def __init__(self, refused: Mapping[str, Sequence[str]]) -> None:
        self.refused = {name: list(reasons) for name, reasons in refused.items()}
        details = "; ".join(
            f"{name!r}: {' / '.join(reasons)}" for name, reasons in sorted(self.refused.items())
        )
        super().__init__(
            f"{len(self.refused)} in-use (or unreadable) hosting target(s) no longer pass "
            f"the hosting policy, so no extract may be published to them until this is "
            f"resolved: {details}"
        )


def audit_dir(settings: Settings, logical_date: date) -> Path:
    """Where the audit of one logical date writes its report (a rerun overwrites it)."""
    return settings.state_dir / AUDIT_DIR_NAME / logical_date.isoformat()


def audit_targets(
    settings: Settings,
    params: dict[str, Any] | None = None,
    *,
    report_dir: Path | None = None,
    logical_date: date | None = None,
) -> dict[str, Any]:
    """Re-evaluate every target in `settings.targets_dir`; raise if an in_use one is refused.

    A target file that cannot be read also fails the audit: whether it is in use cannot
    be established. Returns {"policy_bundle_sha256", "params", "targets": [...],
    "in_use_refused": [...]}. With `report_dir`, the HTML and Markdown review is written
    there first.
    """
    try:
        in_force = effective_params(params)
    except ValueError as error:
        raise InvalidInput(f"policy parameters: {error}") from error
    reviews = review_targets(settings.targets_dir, in_force)
    summary = {
        "policy_bundle_sha256": policy_bundle_sha256(),
        "params": in_force,
        "targets": [_decision_record(review) for review in reviews],
        "in_use_refused": sorted(r.name for r in reviews if _fails_audit(r)),
    }
    if report_dir is not None:
        html_path, markdown_path = write_policy_report(
            settings.targets_dir, report_dir, in_force, generated_on=logical_date
        )
        summary["report"] = {"html": str(html_path), "markdown": str(markdown_path)}
    refused = {r.name: _reason_messages(r) for r in reviews if _fails_audit(r)}
    if refused:
        raise InUseTargetRefused(refused)
    return summary


def _fails_audit(review: TargetReview) -> bool:
    if review.target is None:
        return True  # unreadable: it may be in use
    return review.in_use and review.verdict != VERDICT_ALLOWED


def _decision_record(review: TargetReview) -> dict[str, Any]:
    record: dict[str, Any] = {
        "target": review.name,
        "in_use": review.in_use,
        "verdict": review.verdict,
        "allowed": review.verdict == VERDICT_ALLOWED,
    }
    if review.decision is None:
        record["reasons"] = [{"code": "INVALID_TARGET_FILE", "message": p} for p in review.problems]
    else:
        record["reasons"] = [
            {"code": r.code, "message": r.message} for r in review.decision.reasons
        ]
    return record


def _reason_messages(review: TargetReview) -> list[str]:
    if review.decision is None:
        return list(review.problems)
    return [f"{r.code}: {r.message}" for r in review.decision.reasons]


class InUseBucketFailed(UserError):
    """The bucket of an in-use target lost a capability, refused the credentials or does
    not answer: publishing there would fail or lose a guarantee."""

    exit_code = EXIT_POLICY_REFUSED

    def __init__(self, failed: Mapping[str, str]) -> None:
        self.failed = dict(failed)
        details = "; ".join(f"{name!r}: {message}" for name, message in sorted(self.failed.items()))
        super().__init__(
            f"{len(self.failed)} in-use hosting target bucket(s) can no longer receive an "
            f"extract as sovex publishes it: {details}"
        )


def audit_buckets(settings: Settings) -> dict[str, Any]:
    """Check the bucket of every in-use target the policy allows (`check_target_bucket`);
    raise InUseBucketFailed naming every one that fails. Targets the policy refuses or
    cannot read are `audit_targets`' to report. Returns {"checked": n, "ok": [names],
    "downgraded": [names], "failed": [names]}."""
    from sovex.storage_access import check_target_bucket, decide_for_target

    ok: list[str] = []
    downgraded: list[str] = []
    failed: dict[str, str] = {}
    for path in list_targets(settings.targets_dir):
        try:
            if not load_target(path).in_use:
                continue
        except InvalidInput:
            continue  # audit_targets fails on it
        try:
            decision, target, endpoint_url = decide_for_target(settings, path.stem)
            if not decision.allowed:
                continue
            record = check_target_bucket(settings, target, endpoint_url)
        except SovexError as error:  # messages name targets and rules, never a secret
            failed[path.stem] = str(error)
            continue
        ok.append(target.name)
        if record["downgrades"]:
            downgraded.append(target.name)
    if failed:
        raise InUseBucketFailed(failed)
    return {"checked": len(ok), "ok": ok, "downgraded": downgraded, "failed": sorted(failed)}
