"""The `sovex` command as users run it: exit codes, messages, JSON on stdout."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from sovex.cli import main
from sovex.model.settings import PROJECT_ROOT, Settings
from tests.helpers import approve_request

pytestmark = pytest.mark.integration

TARGETS = PROJECT_ROOT / "infra" / "targets"


def run_cli(settings: Settings, *argv: str) -> int:
    return main(list(argv), environ=settings.as_environ())


def last_json_line(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def test_validate_on_a_broken_request_exits_2_and_lists_every_problem(
    session_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        yaml.safe_dump(
            {
                "id": "Not A Slug",
                "project": "p1",
                "purpose": "chronic-disease-research",
                "source": "synthetic",
                "period": {"start": "2026-01-01", "end": "2025-01-01"},
                "tables": {"patients": ["patient_id", "nir"], "labs": ["x"]},
                "retention_until": "2027-01-01",
                "target": "nowhere",
            }
        )
    )
    assert run_cli(session_settings, "request", "validate", str(broken)) == 2
    err = capsys.readouterr().err
    for field in (
        "'id'",
        "'requester'",
        "'legal_basis'",
        "'period'",
        "'tables.patients.nir'",
        "'tables.labs'",
        "'target'",
    ):
        assert field in err
    assert "Traceback" not in err


def test_validate_on_the_example_request_exits_0(
    session_settings: Settings, synthetic_source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"
    assert run_cli(session_settings, "request", "validate", str(example)) == 0
    assert last_json_line(capsys.readouterr().out)["valid"] is True


def test_a_read_only_state_folder_is_named_as_such_not_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    state = tmp_path / "state"
    real_mkdir = Path.mkdir

    # The file system refuses every write under the state folder, as a read-only mount does
    # (mounting one needs privileges a test machine may not give).
    def read_only(self: Path, *args: object, **kwargs: object) -> None:
        if self.resolve().is_relative_to(state.resolve()):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", read_only)
    code = main(["synth", "--patients", "5"], environ={"SOVEX_STATE_DIR": str(state)})
    err = capsys.readouterr().err
    assert code == 2
    assert f"the state folder {state.resolve()} is read-only" in err
    assert "internal error" not in err and "Traceback" not in err


def test_a_missing_request_file_is_a_clear_error_not_a_traceback(
    session_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(session_settings, "request", "validate", str(tmp_path / "nope.yaml")) == 2
    err = capsys.readouterr().err
    assert "nope.yaml" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("target", "exit_code"),
    [("local-seaweedfs", 0), ("ovhcloud-gra", 0), ("aws-eu-west-3-paris", 3), ("aws-us-east-1", 3)],
)
def test_policy_check_exit_codes(
    session_settings: Settings, target: str, exit_code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run_cli(session_settings, "policy", "check", str(TARGETS / f"{target}.yaml"), "--json")
        == exit_code
    )
    decision = last_json_line(capsys.readouterr().out)
    assert decision["target"] == target
    assert decision["allowed"] is (exit_code == 0)


def test_policy_check_applies_the_deployments_hds_requirement_unless_overridden(
    session_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    local = str(TARGETS / "local-seaweedfs.yaml")
    requiring = replace(session_settings, require_hds=True)
    assert run_cli(requiring, "policy", "check", local, "--json") == 3
    decision = last_json_line(capsys.readouterr().out)
    assert decision["params"]["require_hds"] is True
    assert [r["code"] for r in decision["reasons"]] == ["HDS_CERTIFICATION_MISSING"]
    assert run_cli(requiring, "policy", "check", local, "--no-require-hds", "--json") == 0
    assert run_cli(session_settings, "policy", "check", local, "--require-hds", "--json") == 3
    hds = str(TARGETS / "ovhcloud-gra.yaml")
    assert run_cli(session_settings, "policy", "check", hds, "--require-hds", "--json") == 0


def test_a_purposes_hosting_requirements_apply_in_policy_check_and_validate(
    session_settings: Settings,
    synthetic_source: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    local = str(TARGETS / "local-seaweedfs.yaml")
    # infra/hosting/purpose-requirements.yaml: public-health-surveillance requires HDS.
    purpose = ["--purpose", "public-health-surveillance"]
    assert run_cli(session_settings, "policy", "check", local, *purpose, "--json") == 3
    decision = last_json_line(capsys.readouterr().out)
    assert [r["code"] for r in decision["reasons"]] == ["HDS_CERTIFICATION_MISSING"]
    assert run_cli(session_settings, "policy", "check", local, "--json") == 0
    capsys.readouterr()
    request = yaml.safe_load((PROJECT_ROOT / "examples/requests/diabetes-t2.yaml").read_text())
    request["purpose"] = "public-health-surveillance"
    path = tmp_path / "surveillance.yaml"
    path.write_text(yaml.safe_dump(request))
    assert run_cli(session_settings, "request", "validate", str(path)) == 2
    assert "no HDS certification" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("request_id", "problem"),
    [
        ("../../../../pwned", "not a request id"),
        ("/tmp/pwned", "not a request id"),
        ("never-submitted", "no request 'never-submitted' was ever submitted"),
    ],
)
def test_run_refuses_an_id_that_is_a_path_or_unknown_before_writing_anything(
    session_settings: Settings,
    tmp_path: Path,
    request_id: str,
    problem: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs = session_settings.logs_dir / "runs"
    before = sorted(logs.glob("*")) if logs.exists() else []
    assert run_cli(session_settings, "run", request_id) == 2
    assert problem in capsys.readouterr().err.replace("\n", " ")
    assert (sorted(logs.glob("*")) if logs.exists() else []) == before
    assert not Path("/tmp/pwned.log").exists()
    assert not (session_settings.logs_dir.parent.parent / "pwned.log").exists()


def test_run_without_a_master_key_fails_closed_before_anything_is_read(
    pipeline_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    keyless = replace(pipeline_settings, master_key_file=tmp_path / "absent.key")
    example = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"
    assert run_cli(keyless, "run", str(example)) == 2
    assert "no master key" in capsys.readouterr().err


def test_run_list_and_download_through_the_cli(
    pipeline_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = yaml.safe_load((PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml").read_text())
    raw.update(id="cli-run", project="projet-cli")
    request = tmp_path / "cli-run.yaml"
    request.write_text(yaml.safe_dump(raw))
    claire = replace(pipeline_settings, user="claire.moreau@chu-exemple.fr")
    paul = replace(pipeline_settings, user="paul.bernard@chu-exemple.fr")
    assert run_cli(claire, "request", "submit", str(request)) == 0
    # Not approved yet: refused before anything is read.
    assert run_cli(pipeline_settings, "run", "cli-run") == 2
    assert "only approved content runs" in capsys.readouterr().err
    # The author cannot approve her own request; a steward can.
    assert run_cli(claire, "request", "approve", "cli-run") == 2
    assert "steward" in capsys.readouterr().err
    assert run_cli(paul, "request", "approve", "cli-run") == 0
    assert run_cli(pipeline_settings, "run", str(request)) == 0
    published = last_json_line(capsys.readouterr().out)
    assert run_cli(pipeline_settings, "extract", "list", "--project", "projet-cli", "--json") == 0
    listed = last_json_line(capsys.readouterr().out)
    assert [e["extract_id"] for e in listed] == [published["extract_id"]]
    assert (
        run_cli(
            pipeline_settings,
            "extract",
            "download",
            published["extract_id"],
            "--project",
            "projet-cli",
            "--to",
            str(tmp_path / "dl"),
        )
        == 0
    )
    downloaded = last_json_line(capsys.readouterr().out)
    # 5 tables, 1 aggregate, and the Data Docs pages of the release gate.
    assert downloaded["files"] > 6
    assert (tmp_path / "dl" / published["extract_id"] / "_manifest.json").is_file()

    # The compliance officer sees the extract, its retention and the download.
    assert run_cli(pipeline_settings, "compliance", "view", "--out", str(tmp_path / "cv")) == 0
    with (tmp_path / "cv" / "projects.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["project"] == "projet-cli"]
    assert [(r["request_id"], r["extract_id"]) for r in rows] == [
        ("cli-run", published["extract_id"])
    ]
    assert rows[0]["retention_until"] == str(raw["retention_until"])
    assert int(rows[0]["downloads"]) == 1


def test_storage_status_reports_the_running_server(
    pipeline_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(pipeline_settings, "storage", "status") == 0
    status = last_json_line(capsys.readouterr().out)
    assert status["running"] is True
    assert status["endpoint"].startswith("http://127.0.0.1:")


def test_demo_prints_its_summary_as_the_last_stdout_line(
    pipeline_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    # Its own source folder: the session's shared population stays as other tests expect;
    # its own master key: its people are not the session's, whose pseudonyms they would
    # share (and so be assessed with) under one project key.
    demo_settings = replace(
        pipeline_settings, source_dir=tmp_path / "source", master_key_file=tmp_path / "demo.key"
    )
    assert run_cli(demo_settings, "demo", "--patients", "1500") == 0
    summary = last_json_line(capsys.readouterr().out)
    for key in (
        "extract_id",
        "manifest",
        "endpoint",
        "tables",
        "excluded_no_consent",
        "refused_target",
    ):
        assert key in summary
    assert summary["manifest"].startswith("s3://sovex-extracts/extracts/parcours-diabete/")
    assert summary["refused_target"]["target"] == "aws-eu-west-3-paris"
    assert summary["refused_target"]["reasons"]
    assert 0 < summary["tables"]["patients"] <= summary["included"]


def test_an_unknown_command_is_a_usage_error_with_exit_2(
    session_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(session_settings, "frobnicate") == 2
    assert "Traceback" not in capsys.readouterr().err


def test_policy_check_on_an_invalid_target_file_exits_2_and_lists_every_problem(
    session_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "broken.yaml"
    target.write_text("name: broken\nprovider: aws\ncountry: France\nsecret_key: abc123\n")
    assert run_cli(session_settings, "policy", "check", str(target), "--json") == 2
    err = capsys.readouterr().err
    for field in ("'region'", "'country'", "'endpoint'", "'secret_key'"):
        assert field in err
    assert "abc123" not in err


def test_policy_report_writes_a_review_of_every_target(
    session_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(session_settings, "policy", "report", "--out", str(tmp_path)) == 0
    written = last_json_line(capsys.readouterr().out)
    markdown = Path(written["markdown"]).read_text()
    for target in TARGETS.glob("*.yaml"):
        assert target.stem in markdown
    assert Path(written["html"]).read_text().lstrip().lower().startswith("<!doctype html>")


def test_the_audit_trail_records_each_run_and_detects_tampering(
    pipeline_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sovex.audit import default_log_path

    raw = yaml.safe_load((PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml").read_text())
    raw.update(id="audited-run", project="projet-audit")
    request = tmp_path / "audited-run.yaml"
    request.write_text(yaml.safe_dump(raw))
    approve_request(pipeline_settings, request)
    assert run_cli(pipeline_settings, "run", str(request)) == 0
    extract_id = last_json_line(capsys.readouterr().out)["extract_id"]

    assert run_cli(pipeline_settings, "audit", "verify") == 0
    assert last_json_line(capsys.readouterr().out)["ok"] is True
    assert run_cli(pipeline_settings, "audit", "show", "--json", "--limit", "200") == 0
    records = last_json_line(capsys.readouterr().out)
    actions = [r["action"] for r in records if r["subject"] == extract_id]
    for action in ("run_started", "policy_decision", "gate_result", "extract_published"):
        assert action in actions
    lifecycle = [r["action"] for r in records if r["subject"] == "request:audited-run"]
    for action in ("request_submitted", "request_approved", "request_published"):
        assert action in lifecycle

    log = default_log_path(pipeline_settings.state_dir)
    tampered = tmp_path / "tampered.jsonl"
    lines = log.read_text().splitlines()
    record = json.loads(lines[1])
    record["detail"]["tampered"] = True  # an edit after the fact, hash left as it was
    lines[1] = json.dumps(record)
    tampered.write_text("\n".join(lines) + "\n")
    assert run_cli(pipeline_settings, "audit", "verify", "--log", str(tampered)) == 5
    assert "record 2" in capsys.readouterr().err


def test_consent_sync_loads_once_and_sets_malformed_lines_aside_with_their_numbers(
    session_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = replace(session_settings, source_dir=tmp_path / "source")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = {
        "resourceType": "Consent",
        "id": "c-1",
        "status": "active",
        "scope": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}
            ]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": "Patient/P1"},
        "dateTime": "2026-01-02",
        "provision": {
            "type": "permit",
            "purpose": [{"system": "urn:sovex:purpose", "code": "cancer-research"}],
        },
    }
    (inbox / "export.ndjson").write_text(json.dumps(good) + "\n{not json\n")
    assert run_cli(settings, "consent", "sync", "--inbox", str(inbox)) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (first[0]["accepted"], first[0]["rejected"], first[0]["already_loaded"]) == (1, 1, False)
    rejects = [json.loads(line) for line in Path(first[0]["reject_file"]).read_text().splitlines()]
    assert [r["line"] for r in rejects] == [2]
    assert run_cli(settings, "consent", "sync", "--inbox", str(inbox)) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again[0]["already_loaded"]
    assert run_cli(settings, "consent", "sync", "--inbox", str(tmp_path / "missing")) == 2


def test_a_steward_expires_an_approval_and_the_request_never_runs_again(
    session_settings: Settings,
    synthetic_source: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    request = yaml.safe_load((PROJECT_ROOT / "examples/requests/diabetes-t2.yaml").read_text())
    request["id"] = "cli-expire-approval"
    path = tmp_path / "expire.yaml"
    path.write_text(yaml.safe_dump(request))
    approve_request(session_settings, path)
    requester = replace(session_settings, user="claire.moreau@chu-exemple.fr")
    steward = replace(session_settings, user="paul.bernard@chu-exemple.fr")
    assert run_cli(requester, "request", "expire", "cli-expire-approval") == 2
    assert "may not expire requests" in capsys.readouterr().err
    assert run_cli(steward, "request", "expire", "cli-expire-approval", "--reason", "ended") == 0
    assert last_json_line(capsys.readouterr().out)["state"] == "expired"
    assert run_cli(steward, "run", "cli-expire-approval") == 2
    assert "only approved content runs" in capsys.readouterr().err


def test_synth_writes_the_omop_model_and_refuses_an_unknown_one(
    session_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "omop"
    assert (
        run_cli(session_settings, "synth", "--model", "omop", "--patients", "60", "--out", str(out))
        == 0
    )
    summary = last_json_line(capsys.readouterr().out)
    assert summary["tables"]["person"] == 60
    assert (out / "condition_occurrence.parquet").is_file()
    assert (
        run_cli(session_settings, "synth", "--model", "openehr", "--out", str(tmp_path / "x")) == 2
    )
    err = capsys.readouterr().err
    assert "synthetic, omop" in err and "Traceback" not in err
