"""The `sovex` command. Reads the environment once, here, and maps errors to exit codes.

Human-readable output goes to stderr; machine-readable results (JSON) go to stdout.

One module, long on purpose: every command is a thin wrapper over the module that does
the work, and keeping them together shows the whole command surface, its options and
its one mapping of errors to exit codes in one place (`docs/cli.md` is generated from it).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from sovex.model.errors import (
    EXIT_INTERNAL,
    EXIT_POLICY_REFUSED,
    ConfigurationError,
    InvalidInput,
    PolicyRefused,
    SourceTableMissing,
    SovexError,
    UserError,
    environment_failure,
    exit_code_for,
)
from sovex.model.settings import Settings, settings_from_environ
from sovex.run_hygiene import make_state_private

TABLE_WIDTH_WHEN_PIPED = 200

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="sovex: consent-gated, pseudonymised research extracts published to EU storage.",
)
request_app = typer.Typer(no_args_is_help=True, help="Extract requests.")
extract_app = typer.Typer(no_args_is_help=True, help="Published extracts.")
storage_app = typer.Typer(no_args_is_help=True, help="The local SeaweedFS S3 server.")
policy_app = typer.Typer(no_args_is_help=True, help="Hosting policy.")
app.add_typer(request_app, name="request")
app.add_typer(extract_app, name="extract")
app.add_typer(storage_app, name="storage")
app.add_typer(policy_app, name="policy")
audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit log.")
app.add_typer(audit_app, name="audit")
retention_app = typer.Typer(no_args_is_help=True, help="Retention of published extracts.")
app.add_typer(retention_app, name="retention")
access_app = typer.Typer(no_args_is_help=True, help="Projects' read-only access to extracts.")
app.add_typer(access_app, name="access")
consent_app = typer.Typer(no_args_is_help=True, help="The consent and opposition registry.")
app.add_typer(consent_app, name="consent")
source_app = typer.Typer(no_args_is_help=True, help="The source: Parquet folder or PostgreSQL.")
app.add_typer(source_app, name="source")
users_app = typer.Typer(no_args_is_help=True, help="People's logins (Airflow's FAB users).")
app.add_typer(users_app, name="users")
project_app = typer.Typer(
    no_args_is_help=True, help="Projects, their members and their download credentials."
)
app.add_typer(project_app, name="project")
compliance_app = typer.Typer(no_args_is_help=True, help="What a compliance officer reviews.")
app.add_typer(compliance_app, name="compliance")

# Messages are not hard-wrapped: paths and URIs stay copyable.
console = Console(stderr=True, soft_wrap=True)


class _State:
    settings: Settings


state = _State()


def _emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, sort_keys=True) + "\n")
    sys.stdout.flush()


def _prepare_airflow() -> None:
    from sovex.airflow_runner import configure_airflow_environ

    # Airflow reads its configuration from the environment when first imported.
    configure_airflow_environ(state.settings, os.environ)


@app.command()
def demo(
    patients: Annotated[
        int | None,
        typer.Option(
            min=1_000,
            help="Synthetic patients (the example needs k=5); default 2000, 10000 for omop "
            "(its heart-failure cohort is smaller)",
        ),
    ] = None,
    model: Annotated[
        str,
        typer.Option(help="Source model: synthetic (sovex's own schema) or omop (OMOP CDM 5.4)"),
    ] = "synthetic",
) -> None:
    """The whole job on the embedded default; the last stdout line is a JSON summary."""
    from sovex.demo import DemoStep, run_demo
    from sovex.synth.models import demo_patients

    _prepare_airflow()
    with console.status("starting") as status:

        def step(title: str) -> None:
            status.update(f"[bold]{title}[/bold]…")
            console.print(f"[bold cyan]▶[/bold cyan] {title}")

        summary = run_demo(
            state.settings,
            patients or demo_patients(model),
            DemoStep(say=console.print, step=step),
            model=model,
        )
    console.print(
        f"[green]done[/green]: extract {summary['extract_id']} published to "
        f"{summary['manifest']} at {summary['endpoint']}"
    )
    _emit_json(summary)


@app.command()
def synth(
    patients: Annotated[int, typer.Option(min=1, help="Number of patients")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data)")] = 20261129,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: state source)")] = None,
    model: Annotated[
        str,
        typer.Option(
            help="Source model: synthetic (sovex's own schema) or omop (OMOP CDM 5.4 tables)"
        ),
    ] = "synthetic",
) -> None:
    """Write the synthetic French population (one Parquet file per table), in sovex's own
    schema or as an OMOP CDM 5.4 warehouse."""
    from sovex.synth.models import generator_for

    generate = generator_for(model)
    destination = out or state.settings.source_dir
    with console.status(f"generating {patients} patients…"):
        rows = generate(destination, patients=patients, seed=seed)
    console.print(f"wrote {destination}")
    _emit_json({"directory": str(destination), "tables": rows})


@app.command()
def scrub(
    lang: Annotated[str, typer.Option("--lang", help="Language of the texts: fr or en")],
    source: Annotated[Path, typer.Option("--in", help="JSONL input, one {id, text} per line")],
    destination: Annotated[Path, typer.Option("--out", help="JSONL output")],
    processes: Annotated[int, typer.Option(min=1, help="Worker processes")] = min(
        2, os.cpu_count() or 1
    ),
) -> None:
    """Replace identifiers in free text by typed placeholders; offsets refer to the input."""
    from rich.progress import Progress

    from sovex.scrub_files import scrub_file

    if lang not in ("fr", "en"):
        raise InvalidInput(f"option '--lang': must be fr or en, got {lang!r}")
    if source.resolve() == destination.resolve():
        raise InvalidInput("option '--out': must differ from '--in'")
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("scrubbing", total=None)
        summary = scrub_file(
            source,
            destination,
            lang,
            processes,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    console.print(f"scrubbed {summary['rows']} texts into {destination}")
    _emit_json({"in": str(source), "out": str(destination), **summary})


@request_app.command("validate")
def request_validate(file: Path) -> None:
    """Check a request file as its run will (catalog, consent regime, hosting policy, the
    source's columns and types, limits); every problem is listed, with its file and field."""
    from sovex.request_checks import check_request

    request = check_request(state.settings, file)
    console.print(f"[green]valid[/green]: {file} (request {request.id}, project {request.project})")
    _emit_json({"file": str(file), "valid": True, "id": request.id, "sha256": request.sha256()})


def _table_console() -> Console:
    # Piped output (a file, `less`) gets a wide table rather than rich's 80 columns.
    terminal = Console()
    return terminal if terminal.is_terminal else Console(width=TABLE_WIDTH_WHEN_PIPED)


def _request_store() -> Any:
    from sovex.governance.store import RequestStore

    return RequestStore.for_settings(state.settings)


def _request_action(action: str, request_id: str, **fields: Any) -> Any:
    """A review decision: through the review server as the logged-in person when one is
    configured (SOVEX_API_URL), else on the local store as SOVEX_USER (declared)."""
    from sovex.review.client import act_through_server, server_login

    login = server_login(state.settings)
    if login is not None:
        return act_through_server(login, action, request_id, fields)
    store = _request_store()
    now = datetime.now(UTC)
    user = state.settings.user
    if action == "approve":
        return store.approve(request_id, user, now, fields["comment"], fields["conditions"])
    if action == "reject":
        return store.reject(request_id, user, now, fields["reason"])
    if action == "withdraw":
        return store.withdraw(request_id, user, now, fields["reason"])
    return store.expire(request_id, user, now, fields["reason"])


def _print_outcome(outcome: Any) -> None:
    console.print(escape(outcome.message))
    _emit_json(outcome.status.to_json())


@request_app.command("submit")
def request_submit(file: Path) -> None:
    """Submit a request for approval (requester role), checked as `request validate`
    checks it first. With SOVEX_API_URL the file's content goes to the review server,
    which keeps it, checks it and submits it as the logged-in person."""
    from sovex.request_checks import check_request
    from sovex.review.client import server_login, submit_through_server

    login = server_login(state.settings)
    if login is not None:
        # The server keeps the file, checks it against its own catalogs and submits it.
        _print_outcome(submit_through_server(login, file))
        return
    check_request(state.settings, file)
    _print_outcome(_request_store().submit(file, state.settings.user, datetime.now(UTC)))


@request_app.command("approve")
def request_approve(
    request_id: str,
    comment: Annotated[
        str | None, typer.Option(help="For the researcher and the audit log")
    ] = None,
    condition: Annotated[
        list[str] | None,
        typer.Option(help="A condition of the approval (repeat for several)"),
    ] = None,
) -> None:
    """Approve a submitted request (steward role; never its own requester or submitter).
    Where its purpose takes a second approval (`second_approval: true` in
    infra/hosting/purpose-requirements.yaml) the first is recorded and another steward's
    approves it. A request with a schedule is then scheduled."""
    _print_outcome(
        _request_action("approve", request_id, comment=comment, conditions=tuple(condition or ()))
    )


@request_app.command("reject")
def request_reject(
    request_id: str,
    reason: Annotated[str, typer.Option("--reason", "--comment", help="Why, for the researcher")],
) -> None:
    """Reject a submitted request, with the reason the researcher will read."""
    _print_outcome(_request_action("reject", request_id, reason=reason))


@request_app.command("withdraw")
def request_withdraw(
    request_id: str,
    reason: Annotated[str | None, typer.Option("--reason", "--comment", help="Why")] = None,
) -> None:
    """Take back a submitted request (its requester), or withdraw an approval (steward or
    compliance): it goes back to review and runs only after a new approval."""
    _print_outcome(_request_action("withdraw", request_id, reason=reason))


@request_app.command("expire")
def request_expire(
    request_id: str,
    reason: Annotated[
        str | None, typer.Option(help="Why (approval withdrawn, project ended), for the log")
    ] = None,
) -> None:
    """End a request's approval or schedule for good (steward or compliance role): it never
    runs again; its published extracts keep their retention date."""
    from sovex.member_access import revoke_project_credentials

    outcome = _request_action("expire", request_id, reason=reason)
    # The approval is withdrawn: the project's download credentials go with it (a steward
    # issues new ones for its other extracts with `sovex project issue-credentials`).
    project = _request_store().get(request_id).submission.project
    revoked = revoke_project_credentials(
        state.settings, project, state.settings.user, f"request {request_id} withdrawn"
    )
    if revoked:
        console.print(f"{len(revoked)} download credential(s) on {project} revoked")
    _print_outcome(outcome)


@request_app.command("list")
def request_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Every submitted request and where it stands."""
    statuses = _request_store().list_requests()
    if as_json:
        _emit_json([status.to_json() for status in statuses])
        return
    table = Table(
        Column("request", no_wrap=True),  # an id is never cut: it is what people type next
        "project",
        "state",
        "since",
        "by",
        "schedule",
        "last run",
    )
    for status in statuses:
        last = status.history[-1]
        run = status.last_run
        table.add_row(
            status.request_id,
            status.submission.project,
            status.state.value,
            last.at.strftime("%Y-%m-%d %H:%M"),
            last.actor,
            status.schedule or "-",
            f"{run.extract_id} {run.state.value}" if run else "-",
        )
    _table_console().print(table)


@request_app.command("status")
def request_status(
    request_id: str,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """A request's full history: every transition with who and when, its last run, its
    published extract and retention date."""
    from sovex.governance.formatting import format_status

    status = _request_store().get(request_id)
    if as_json:
        _emit_json(status.to_json())
        return
    sys.stdout.write(format_status(status))


@app.command()
def run(
    request: Annotated[
        str | None, typer.Argument(help="An approved request's id or its file")
    ] = None,
    recover: Annotated[
        bool,
        typer.Option(
            "--recover",
            help="Only recover: move requests whose run died to failed and remove the "
            "patient-level files dead runs left (every run does this first)",
        ),
    ] = False,
) -> None:
    """Run the research_extract DAG for one approved request (in-process, with
    dag.test()); refused before any read unless the current file is what was approved."""
    if recover:
        from sovex.run_hygiene import recover_dead_runs

        recovery = recover_dead_runs(state.settings, state.settings.user)
        console.print(
            f"{len(recovery.failed)} dead run(s) marked failed, "
            f"{len(recovery.cleaned)} run folder(s) cleaned"
        )
        _emit_json({"failed": recovery.failed, "cleaned": recovery.cleaned})
        return
    if request is None:
        raise InvalidInput("sovex run: name an approved request (id or file), or --recover")
    _prepare_airflow()
    from sovex.airflow_runner import run_request

    logical_date = datetime.now(UTC).replace(microsecond=0)
    # Airflow's output goes to the run's log; the terminal gets one line per change of step
    # or of rows written (the same counts end in the run's note in Airflow).
    console.print("running research_extract…")
    result = run_request(state.settings, request, logical_date, show_progress=True)
    console.print(f"[green]published[/green] {result.result['manifest']} (log: {result.log_file})")
    _emit_json(result.result)


@extract_app.command("list")
def extract_list(
    project: Annotated[str | None, typer.Option(help="Only this project")] = None,
    target: Annotated[str, typer.Option(help="Hosting target")] = "local-seaweedfs",
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Extracts published on a target (those with a manifest). With --project, listed
    with your own (SOVEX_USER's) read-only credential on that project."""
    from sovex.storage_access import reading_client
    from transforms.download import list_extracts

    credentials = _member_keys(project, None) if project else None
    s3, hosting = reading_client(state.settings, target, credentials)
    manifests = list_extracts(s3, hosting.bucket, project)
    if as_json:
        _emit_json(
            [
                {
                    "project": m.project,
                    "extract_id": m.extract_id,
                    "published_at": m.published_at,
                    "tables": m.tables,
                    "files": len(m.files),
                }
                for m in manifests
            ]
        )
        return
    table = Table("project", "extract id", "published", "rows per table")
    for m in manifests:
        table.add_row(
            m.project,
            m.extract_id,
            m.published_at,
            ", ".join(f"{name} {rows}" for name, rows in m.tables.items()),
        )
    _table_console().print(table)


@extract_app.command("download")
def extract_download(
    extract_id: str,
    project: Annotated[str, typer.Option(help="The extract's project")],
    to: Annotated[Path | None, typer.Option(help="Destination folder")] = None,
    target: Annotated[str, typer.Option(help="Hosting target")] = "local-seaweedfs",
    credentials: Annotated[
        Path | None,
        typer.Option(
            help="Your credential file (default: <state>/credentials/P/<SOVEX_USER>.json)"
        ),
    ] = None,
) -> None:
    """Download an extract with your own (SOVEX_USER's) read-only credential on the
    project: refused unless you are a member and it has not expired; every file's sha256
    and size are checked against the manifest, and the audit record names you."""
    from sovex.governance.checks import check_extract_id
    from sovex.project_access import check_project
    from sovex.storage_access import reading_client
    from transforms.download import download_extract

    # Ids are checked at the edge, before any path or key is built from them.
    check_extract_id(extract_id)
    check_project(project)
    if to is not None and to.exists() and not to.is_dir():
        raise InvalidInput(f"option '--to': {to} is not a folder")
    # Who downloads first: a non-member or an expired credential learns nothing more.
    member = _member_credential(project, credentials)
    pin = _publication_pin(extract_id)
    s3, hosting = reading_client(state.settings, target, member.keys())
    destination = to or state.settings.downloads_dir
    with console.status(f"downloading {extract_id}…"):
        downloaded = download_extract(s3, hosting.bucket, project, extract_id, destination, pin)
    from sovex.audit import AuditAction, AuditLog, default_log_path

    AuditLog(default_log_path(state.settings.state_dir)).append(
        member.person,
        AuditAction.EXTRACT_DOWNLOADED,
        extract_id,
        {
            "project": project,
            "person": member.person,
            "access_key": member.access_key,
            "files": downloaded.files,
            "bytes": downloaded.bytes,
        },
    )
    console.print(
        f"[green]verified[/green] {downloaded.files} files ({downloaded.bytes} bytes) "
        f"in {downloaded.directory}"
    )
    _emit_json(
        {
            "extract_id": extract_id,
            "directory": str(downloaded.directory),
            "files": downloaded.files,
        }
    )


def _publication_pin(extract_id: str) -> Any:
    """The manifest version and SHA-256 the extract's publication recorded in the audit
    log (its chain verified first): a download reads that version only."""
    from sovex.audit import AuditAction, AuditLog, default_log_path, verify
    from sovex.model.errors import IntegrityError
    from transforms.download import ManifestPin

    path = default_log_path(state.settings.state_dir)
    if path.is_file():
        verify(path).raise_if_bad()
    for record in reversed(list(AuditLog(path).records())):
        detail = record.get("detail") or {}
        if (
            record.get("action") == AuditAction.EXTRACT_PUBLISHED
            and record.get("subject") == extract_id
            and "manifest_version_id" in detail
        ):
            return ManifestPin(str(detail["manifest_version_id"]), str(detail["manifest_sha256"]))
    raise IntegrityError(
        f"extract {extract_id}: the audit log {path} holds no publication record naming its "
        "manifest version, so what is stored cannot be checked against what was published"
    )


def _member_credential(project: str, path: Path | None) -> Any:
    """SOVEX_USER's own unexpired credential on the project (refused, exit 2, unless they
    are a member)."""
    from sovex.member_access import download_credential
    from sovex.project_access import check_project

    check_project(project)
    return download_credential(
        state.settings, project, state.settings.user, path, datetime.now(UTC)
    )


def _member_keys(project: str, path: Path | None) -> Any:
    return _member_credential(project, path).keys()


@app.command("airflow-ui")
def airflow_ui() -> None:
    """Airflow's UI, the review screen (/sovex) and the scheduler on 127.0.0.1 (port 8081
    when free), with the people of infra/roles.yaml as users; Ctrl-C stops them."""
    from sovex.accounts import passwords_dir, sync_users
    from sovex.airflow_runner import free_api_port, migrate_metadata_db
    from sovex.services.airflow_ui import run_airflow_ui

    _prepare_airflow()
    migrate_metadata_db(state.settings)
    synced = sync_users(state.settings)
    port = free_api_port()
    console.print(
        f"Airflow UI on http://127.0.0.1:{port} (review screen: /sovex/) — {len(synced)} "
        f"user(s) from infra/roles.yaml; new passwords in {passwords_dir(state.settings)} "
        f"(logs in {state.settings.logs_dir / 'airflow-ui'})"
    )
    raise typer.Exit(run_airflow_ui(state.settings, port, os.environ))


@users_app.command("sync")
def users_sync(
    passwords: Annotated[
        Path | None,
        typer.Option(
            help="Folder of password files named after each identity (0600, yours); a new "
            "user without one gets a generated password in <state>/accounts/passwords"
        ),
    ] = None,
) -> None:
    """Make Airflow's users (FAB, hashed passwords in the metadata database) match
    infra/roles.yaml: listed people are active with the matching Airflow role, others are
    deactivated. Passwords are never printed."""
    from sovex.accounts import sync_users
    from sovex.airflow_runner import migrate_metadata_db

    _prepare_airflow()
    migrate_metadata_db(state.settings)
    synced = sync_users(state.settings, passwords)
    for user in synced:
        where = f"; password in {user.password_file}" if user.password_file else ""
        console.print(escape(f"{user.identity}: {user.change} ({user.airflow_role or '-'}){where}"))
    _emit_json([user.to_json() for user in synced])


@storage_app.command("up")
def storage_up() -> None:
    """Start the local SeaweedFS S3 server on 127.0.0.1 (idempotent)."""
    from sovex.services.storage_server import LocalStorage

    with console.status("starting SeaweedFS…"):
        endpoint = LocalStorage(state.settings.storage_dir).up()
    console.print(f"SeaweedFS S3 listening on {endpoint.endpoint_url}")
    _emit_json({"running": True, "endpoint": endpoint.endpoint_url})


@storage_app.command("down")
def storage_down() -> None:
    """Stop the local SeaweedFS server."""
    from sovex.services.storage_server import LocalStorage

    stopped = LocalStorage(state.settings.storage_dir).down()
    console.print("stopped" if stopped else "was not running")
    _emit_json({"running": False, "stopped": stopped})


@storage_app.command("status")
def storage_status() -> None:
    """Is the local SeaweedFS server running, and where."""
    from sovex.services.storage_server import LocalStorage

    status = LocalStorage(state.settings.storage_dir).status()
    console.print(
        f"running at {status.endpoint_url} (pid {status.pid})" if status.running else "not running"
    )
    _emit_json({"running": status.running, "endpoint": status.endpoint_url, "pid": status.pid})


@policy_app.command("check")
def policy_check(
    target_file: Path,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output only")] = False,
    require_hds: Annotated[
        bool | None,
        typer.Option(
            "--require-hds/--no-require-hds",
            help="Require an HDS certification (default: SOVEX_REQUIRE_HDS)",
            show_default=False,
        ),
    ] = None,
    allow_eea_adequacy: Annotated[
        bool | None,
        typer.Option(
            "--allow-eea-adequacy/--no-allow-eea-adequacy",
            help="Accept EEA / adequacy storage countries (default: SOVEX_ALLOW_EEA_ADEQUACY)",
            show_default=False,
        ),
    ] = None,
    purpose: Annotated[
        str | None,
        typer.Option(
            help="Also apply this research purpose's hosting requirements "
            "(infra/hosting/purpose-requirements.yaml)"
        ),
    ] = None,
) -> None:
    """Decide whether a hosting target may receive extracts (exit 0 allowed, 3 refused),
    with the deployment's policy parameters (and a purpose's) unless overridden here."""
    from policies.evaluator import evaluate_target
    from sovex.model.target import load_target

    target = load_target(target_file)
    params = state.settings.policy_params(purpose)
    if require_hds is not None:
        params["require_hds"] = require_hds
    if allow_eea_adequacy is not None:
        params["allow_eea_adequacy"] = allow_eea_adequacy
    decision = evaluate_target(target, params=params)
    payload = {
        "target": target.name,
        "allowed": decision.allowed,
        "reasons": [{"code": r.code, "message": r.message} for r in decision.reasons],
        "policy_bundle_sha256": decision.policy_bundle_sha256,
        "params": dict(decision.params),
    }
    if not as_json:
        verdict = "[green]allowed[/green]" if decision.allowed else "[red]refused[/red]"
        console.print(f"{target.name}: {verdict}")
        for reason in decision.reasons:
            console.print(f"  {reason.code}: {reason.message}")
    _emit_json(payload)
    if not decision.allowed:
        # The reasons were just shown: exit with the refusal's code, without repeating them.
        raise typer.Exit(EXIT_POLICY_REFUSED)


@policy_app.command("report")
def policy_report(
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for policy-report.html and .md")
    ] = None,
    allow_eea_adequacy: Annotated[
        bool, typer.Option(help="Accept EEA / adequacy-decision storage countries")
    ] = False,
    require_hds: Annotated[bool, typer.Option(help="Require an HDS certification")] = False,
) -> None:
    """Compliance review of every target in infra/targets/ (HTML and Markdown)."""
    from sovex.policy_report import write_policy_report

    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(f"option '--out': {out_dir} is not a folder")

    # The deployment's parameters (SOVEX_*), and whichever a flag adds.
    deployment = state.settings.policy_params()
    params = {
        "allow_eea_adequacy": allow_eea_adequacy or deployment["allow_eea_adequacy"],
        "require_hds": require_hds or deployment["require_hds"],
    }
    html_path, md_path = write_policy_report(
        state.settings.targets_dir, out_dir or state.settings.state_dir / "policy-report", params
    )
    console.print(f"policy report: {html_path} and {md_path}")
    _emit_json({"html": str(html_path), "markdown": str(md_path)})


@consent_app.command("sync")
def consent_sync(
    inbox: Annotated[
        Path | None,
        typer.Option(help="Folder of FHIR Consent exports (default: SOVEX_CONSENT_INBOX)"),
    ] = None,
) -> None:
    """Load new FHIR Consent files (NDJSON or Bundle) into the registry; a file already
    loaded changes nothing; malformed resources go to a reject file with line numbers."""
    from sovex.consent_sync import sync_consents, synced_json

    synced = sync_consents(state.settings, datetime.now(UTC), inbox, actor=state.settings.user)
    for entry in synced:
        if entry.already_loaded:
            console.print(f"{escape(entry.file)}: already loaded, nothing changed")
        else:
            console.print(
                f"{escape(entry.file)}: {entry.accepted} resources ({entry.new_versions} new), "
                f"{entry.rejected} rejected"
                + (f" → {escape(entry.reject_file)}" if entry.rejected else "")
            )
        for code in entry.unmapped_codes:
            console.print(
                f"  unmapped code (granted nothing) of source {escape(code['source'])}: "
                f"{escape(code['system'])}#{escape(code['code'])} in "
                f"{code['resources']} resource(s)"
            )
    _emit_json(synced_json(synced))


@consent_app.command("status")
def consent_status() -> None:
    """How much the registry holds and when it was last loaded."""
    from transforms.consent_registry import registry_status

    status = registry_status(state.settings.consent_registry_db)
    console.print(
        f"{status.files} file(s), {status.versions} consent versions, last loaded "
        f"{status.last_ingested_at or 'never'}"
    )
    _emit_json(
        {
            "files": status.files,
            "versions": status.versions,
            "last_ingested_at": status.last_ingested_at,
        }
    )


@source_app.command("load-postgres")
def source_load_postgres(
    url: Annotated[
        str,
        typer.Argument(help="postgresql://user@host:port/db (no password: PGPASSFILE holds it)"),
    ],
) -> None:
    """Copy the Parquet source folder (`sovex synth` output) into a PostgreSQL database,
    replacing its tables of the same names, to try the PostgreSQL source."""
    from transforms.source_postgres import load_parquet_folder

    rows = load_parquet_folder(url, state.settings.source_dir)
    for table, count in rows.items():
        console.print(f"{table}: {count:,} rows")
    console.print(f"run with SOVEX_SOURCE_URL={url} to read the source from there")
    _emit_json({"tables": rows})


@source_app.command("check")
def source_check() -> None:
    """The configured source's tables and row counts, against the catalogs of the model it
    holds: each catalog whose person table the source has (exit 2 when one of its tables
    or columns is missing, or when no catalog's person table is there)."""
    from sovex.model.catalog import load_catalog
    from transforms.source import open_source
    from transforms.source_base import check_columns

    settings = state.settings
    source = open_source(settings.source_dir, settings.source_url)
    where = settings.source_url or str(settings.source_dir)
    counts: dict[str, int] = {}
    catalogs = [load_catalog(path) for path in sorted(settings.catalogs_dir.glob("*.yaml"))]
    for catalog in catalogs:
        try:
            source.schema(catalog.person_table)
        except SourceTableMissing:
            continue  # a source of another model (e.g. OMOP beside the synthetic schema)
        for name, spec in catalog.tables.items():
            # ConfigurationError (exit 2) names the missing table or column and the source.
            check_columns(name, where, source.schema(name), spec.source_columns(list(spec.columns)))
            counts[name] = source.row_count(name)
    if not counts:
        raise ConfigurationError(
            f"source {where} has the person table of no catalog ("
            + ", ".join(f"{c.source}: {c.person_table}" for c in catalogs)
            + "): run `sovex synth` or load the warehouse"
        )
    for name, count in counts.items():
        console.print(f"{name}: {count:,} rows")
    console.print(f"source {where}: every catalogued table and column is there")
    _emit_json({"source": where, "tables": counts})


@retention_app.command("sweep")
def retention_sweep(
    target: Annotated[str, typer.Option(help="Hosting target")] = "local-seaweedfs",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would go")] = False,
) -> None:
    """Delete every extract whose retention date has passed; each deletion is audited.
    Exit 5 if any expired extract could not be deleted (the others still are)."""
    from sovex.model.errors import IntegrityError
    from sovex.retention_sweep import sweep_retention

    report = sweep_retention(state.settings, target, datetime.now(UTC), dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    for deleted in report.deleted:
        console.print(
            f"{verb} {deleted.project}/{deleted.extract_id} "
            f"(retention until {deleted.retention_until}, {deleted.objects} objects)"
        )
    console.print(
        f"{report.examined} extract(s) examined, {len(report.deleted)} {verb}, "
        f"{report.kept} still retained, {len(report.failures)} failed"
    )
    _emit_json(report.to_json())
    if report.failures:
        raise IntegrityError(
            "retention sweep incomplete:\n"
            + "\n".join(f"{f.prefix}: {f.reason}" for f in report.failures)
        )


@access_app.command("grant")
def access_grant(
    project: str,
    target: Annotated[str, typer.Option(help="Hosting target")] = "local-seaweedfs",
) -> None:
    """Create (or re-apply) one read-only identity for the whole project, for an
    operator's tooling (researchers download with their own credential: `sovex project
    issue-credentials`); prints where its credentials file is (never the secret itself)."""
    from sovex.audit import AuditAction, AuditLog, default_log_path
    from sovex.project_access import (
        credentials_path,
        grant_access,
        identity_name,
        project_prefix,
        require_local_storage_credentials,
    )
    from sovex.storage_access import decide_for_target

    # The policy is decided first: no identity is created on a refused store.
    decision, hosting, _ = decide_for_target(state.settings, target)
    if not decision.allowed:
        raise PolicyRefused(hosting.name, [reason.message for reason in decision.reasons])
    require_local_storage_credentials(hosting.credentials.source, hosting.name)
    grant_access(state.settings, project, hosting.bucket)
    path = credentials_path(state.settings, project)
    AuditLog(default_log_path(state.settings.state_dir)).append(
        state.settings.user,
        AuditAction.ACCESS_GRANTED,
        project,
        {
            "identity": identity_name(project),
            "scope": f"s3://{hosting.bucket}/{project_prefix(project)}",
        },
    )
    console.print(f"read-only access for {project}: credentials in {path}")
    _emit_json({"project": project, "identity": identity_name(project), "credentials": str(path)})


@access_app.command("revoke")
def access_revoke(project: str) -> None:
    """Remove the project's identity and its credentials file."""
    from sovex.audit import AuditAction, AuditLog, default_log_path
    from sovex.project_access import identity_name, revoke_access

    revoke_access(state.settings, project)
    AuditLog(default_log_path(state.settings.state_dir)).append(
        state.settings.user,
        AuditAction.ACCESS_REVOKED,
        project,
        {"identity": identity_name(project), "reason": "revoked by hand"},
    )
    console.print(f"access revoked for {project}")
    _emit_json({"project": project, "revoked": True})


@access_app.command("policy")
def access_policy(
    project: str,
    principal: Annotated[str, typer.Option(help="ARN of the project's identity on the store")],
    target: Annotated[str, typer.Option(help="Hosting target")] = "local-seaweedfs",
) -> None:
    """The same read-only grant as an S3 bucket policy (JSON), for stores other than the
    local one: listing the project's prefix, reading its published extracts only."""
    from sovex.project_access import bucket_policy, published_extract_ids
    from sovex.storage_access import reading_client

    # The extracts published now: re-apply the policy after each publication and sweep.
    s3, hosting = reading_client(state.settings, target)
    extract_ids = published_extract_ids(s3, hosting.bucket, project)
    _emit_json(bucket_policy(hosting.bucket, project, principal, extract_ids))


def _registry() -> Any:
    from sovex.member_access import registry_for

    return registry_for(state.settings)


def _project_json(project: Any) -> dict[str, Any]:
    from sovex.project_changes import project_json

    return project_json(state.settings, project)


def _project_change(action: str, name: str, **fields: Any) -> None:
    """A steward's change to a project: through the review server as the logged-in person
    when one is configured (SOVEX_API_URL), else on the local store as SOVEX_USER."""
    from sovex.project_changes import change_project
    from sovex.review.client import change_project_through_server, server_login

    login = server_login(state.settings)
    if login is not None:
        change = change_project_through_server(login, action, name, fields)
    else:
        change = change_project(
            state.settings, action, name, state.settings.user, datetime.now(UTC), fields
        )
    for line in change.lines:
        console.print(escape(line))
    _emit_json(change.result)


@project_app.command("create")
def project_create(
    name: str,
    description: Annotated[str, typer.Option(help="What the project studies (one line)")],
) -> None:
    """Register a project (steward role); its members are added next with add-member."""
    _project_change("create", name, description=description)


@project_app.command("add-member")
def project_add_member(
    name: str,
    person: str,
    role: Annotated[str, typer.Option(help="The person's role on the project")] = "researcher",
) -> None:
    """Name a person on the project (steward role), or change their role on it."""
    _project_change("add-member", name, person=person, role=role)


@project_app.command("remove-member")
def project_remove_member(name: str, person: str) -> None:
    """Take a person off the project (steward role); their download credential is
    revoked at once."""
    _project_change("remove-member", name, person=person)


@project_app.command("show")
def project_show(name: str) -> None:
    """A project: description, who created it, its members and who holds a credential."""
    project = _registry().get(name)
    console.print(f"{escape(project.name)}: {escape(project.description)}")
    for member in sorted(project.members.values(), key=lambda m: m.person):
        console.print(f"  {escape(member.person)} ({member.role.value})")
    _emit_json(_project_json(project))


@project_app.command("list")
def project_list() -> None:
    """Every registered project and its members."""
    projects = _registry().list()
    table = Table("project", "description", "members")
    for project in projects:
        table.add_row(
            project.name,
            project.description,
            ", ".join(f"{m.person} ({m.role.value})" for m in project.members.values()),
        )
    _table_console().print(table)
    _emit_json([_project_json(project) for project in projects])


@project_app.command("issue-credentials")
def project_issue_credentials(
    name: str,
    person: Annotated[
        list[str] | None, typer.Option(help="Only this member (repeatable; default: all)")
    ] = None,
    target: Annotated[str, typer.Option(help="Hosting target")] = "local-seaweedfs",
) -> None:
    """Give each member (steward role) their own read-only download credential on the
    project, expiring after SOVEX_CREDENTIAL_DAYS and never after its retention; one still
    valid keeps its keys. Prints where each file is, never the secret."""
    _project_change("issue-credentials", name, persons=person or None, target=target)


@project_app.command("sweep-credentials")
def project_sweep_credentials(
    project: Annotated[str | None, typer.Option(help="Only this project's credentials")] = None,
) -> None:
    """Revoke every download credential that has expired, whose holder is no longer on
    the project, or whose project is not registered (the store cannot expire keys itself:
    run this daily)."""
    from sovex.member_access import sweep_credentials

    revoked = sweep_credentials(state.settings, datetime.now(UTC), state.settings.user, project)
    for change in revoked:
        console.print(f"revoked {escape(change.person)} on {change.project}: {change.reason}")
    console.print(f"{len(revoked)} credential(s) revoked")
    _emit_json([change.to_json() for change in revoked])


@audit_app.command("anchor")
def audit_anchor(
    target: Annotated[str, typer.Option(help="Hosting target")] = "local-seaweedfs",
) -> None:
    """Copy the verified head hash of the audit log to the audit bucket, object-locked."""
    from sovex.audit_anchoring import AUDIT_BUCKET, anchor_audit_log

    key = anchor_audit_log(state.settings, target, datetime.now(UTC))
    console.print(f"anchored: s3://{AUDIT_BUCKET}/{key}")
    _emit_json({"anchor": f"s3://{AUDIT_BUCKET}/{key}"})


def _audit_log_path(log: Path | None) -> Path:
    from sovex.audit import default_log_path

    path = log or default_log_path(state.settings.state_dir)
    if not path.is_file():
        raise InvalidInput(f"audit log {path}: no such file")
    return path


@audit_app.command("verify")
def audit_verify(
    log: Annotated[
        Path | None, typer.Option(help="Audit log (default: <state dir>/audit/audit.jsonl)")
    ] = None,
    anchored: Annotated[
        str | None,
        typer.Option(
            "--anchored-on",
            help="Also check the newest anchor on this hosting target (catches cut-off records)",
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(
            help="Check every record is signed by this Ed25519 key (PEM; default: the "
            "public half of SOVEX_AUDIT_SIGNING_KEY when set)"
        ),
    ] = None,
) -> None:
    """Recompute every hash, link and seq (exit 0 intact, 5 tampered: names the first bad),
    and every record's signature when a key is given or configured. With --anchored-on,
    also check the log against every anchor there (exit 5 when none exists, one is
    unlocked or does not match, or one the log wrote is missing)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from sovex.audit import verify
    from sovex.audit_signing import configured_signer, load_public_key

    path = _audit_log_path(log)
    key: Ed25519PublicKey | None
    if public_key is not None:
        key = load_public_key(public_key)
    else:
        signer = configured_signer(path)
        key = signer.key.public_key() if signer is not None else None
    result = verify(path, key)
    _emit_json(result.to_json())
    result.raise_if_bad()  # IntegrityError: exit 5, naming the first bad record
    if anchored is not None:
        from sovex.audit_anchoring import verify_anchors
        from sovex.storage_access import reading_client

        s3, _ = reading_client(state.settings, anchored)
        anchors = verify_anchors(result, path, s3)
        console.print(f"{anchors['anchors']} anchor(s) match, newest {anchors['newest']}")
        _emit_json(anchors)
    signed = f", every one signed by key {result.signed_by}" if result.signed_by else ", unsigned"
    console.print(
        f"[green]intact[/green]: {escape(str(result.path))} ({result.records} records{signed})"
    )


@audit_app.command("keygen")
def audit_keygen(
    key_file: Annotated[
        Path, typer.Argument(help="Where to write the private key (outside the state folder)")
    ],
) -> None:
    """A new Ed25519 key to sign the audit log: FILE (0600) and FILE.pub. Point
    SOVEX_AUDIT_SIGNING_KEY at FILE; give FILE.pub to whoever verifies the log."""
    from sovex.audit_signing import write_key_pair

    if key_file.resolve().is_relative_to(state.settings.state_dir.resolve()):
        raise InvalidInput(f"{key_file}: inside the state folder; keep the signing key elsewhere")
    public = write_key_pair(key_file)
    console.print(f"signing key: {escape(str(key_file))}; public key: {escape(str(public))}")
    _emit_json({"key_file": str(key_file), "public_key_file": str(public)})


@audit_app.command("show")
def audit_show(
    log: Annotated[
        Path | None, typer.Option(help="Audit log (default: <state dir>/audit/audit.jsonl)")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Newest records to show")] = 20,
    actor: Annotated[str | None, typer.Option(help="Only this actor's records")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action (e.g. run_started)")] = None,
    project: Annotated[str | None, typer.Option(help="Only records about this project")] = None,
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d%z"], help="From (with zone)"),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d%z"], help="Until (with zone)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """The newest audit records, optionally filtered (does not verify the chain: run
    `sovex audit verify`)."""
    from sovex.audit import AuditLog, format_records, last_records, matching

    records = matching(
        AuditLog(_audit_log_path(log)).records(),
        actor=actor,
        action=action,
        project=project,
        since=since,
        until=until,
    )
    if as_json:
        _emit_json(last_records(records, limit))
        return
    # Plain text, not rich markup: record fields are shown exactly as written.
    sys.stdout.write(format_records(records, limit))


@compliance_app.command("view")
def compliance_view(
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder for the page and the CSV files (default: <state>/compliance)"
        ),
    ] = None,
) -> None:
    """The register of processing activities (GDPR Art. 30), who accessed what and when,
    and each project's extracts, retention dates and access holders: HTML and CSV."""
    from sovex.compliance_files import write_compliance_view
    from sovex.compliance_view import build_compliance_view

    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(f"option '--out': {out_dir} is not a folder")
    view = build_compliance_view(state.settings, datetime.now(UTC))
    written = write_compliance_view(view, out_dir or state.settings.state_dir / "compliance")
    console.print(f"compliance view: {escape(str(written['compliance-view.html']))}")
    _emit_json({name: str(path) for name, path in written.items()})


def _report_error(error: BaseException, settings: Settings | None) -> int:
    error = environment_failure(error, settings.state_dir if settings else None) or error
    if isinstance(error, UserError):
        lines = str(error).splitlines() or [type(error).__name__]
        console.print(f"[red]error[/red]: {escape(lines[0])}", highlight=False, soft_wrap=True)
        for line in lines[1:]:
            console.print(f"  - {escape(line)}", highlight=False, soft_wrap=True)
        return exit_code_for(error)
    # Internal error: a short message here, the traceback in a log file for maintainers.
    log_file = _log_internal_error(error, settings)
    details = f"details in {log_file}" if log_file else "the state folder cannot hold its log"
    console.print(f"[red]internal error[/red] ({type(error).__name__}); {details}")
    return exit_code_for(error) if isinstance(error, SovexError) else EXIT_INTERNAL


def _log_internal_error(error: BaseException, settings: Settings | None) -> Path | None:
    """The traceback, for maintainers, in the state folder only (never the working folder:
    nothing is written outside the state folder); None when it cannot be written."""
    if settings is None:
        return None
    log_file = settings.logs_dir / "internal-errors.log"
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now(UTC).isoformat()} sovex {' '.join(sys.argv[1:])}\n")
            handle.write("".join(traceback.format_exception(error)))
    except OSError:
        return None
    return log_file


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    settings: Settings | None = None
    try:
        settings = settings_from_environ(os.environ if environ is None else environ)
        state.settings = settings
        make_state_private(settings)
        # Standalone mode: typer prints usage errors itself and exits with code 2.
        app(args=list(sys.argv[1:] if argv is None else argv), prog_name="sovex")
        return 0
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except Exception as error:  # the one place errors become exit codes
        return _report_error(error, settings)


if __name__ == "__main__":
    sys.exit(main())
