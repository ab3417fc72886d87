"""Consents of another system (the MII broad consent as gICS exports it) through the path
the steward uses: the inbox, `sovex consent sync`, the declared mapping in
`infra/consent/sources/`, then the consent gate of a run under the regimes the steward
declared in `infra/consent/regimes.yaml`."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from sovex.cli import main
from sovex.model.settings import PROJECT_ROOT, Settings
from tests.mii_consent import (
    BIOMAT_CODES,
    IDAT_ERHEBEN,
    MDAT_CODES,
    MDAT_WISSENSCHAFTLICH_NUTZEN,
    POLICY_SYSTEM,
    mii_consent,
    nested,
)
from transforms.consent_regimes import Regime, load_regimes, regimes_file
from transforms.consent_registry import apply_registry_consent, registry_status

pytestmark = pytest.mark.integration

GIVEN = date(2024, 2, 23)
RUN_DATE = date(2026, 11, 1)
SHIPPED_MAPPING = PROJECT_ROOT / "infra" / "consent" / "sources" / "mii-broad-consent.yaml"
COHORT = pa.array(["P-ALL", "P-MDAT", "P-EXPIRED", "P-NONE", "P-NO-RESOURCE"])


def run_cli(settings: Settings, *argv: str) -> int:
    return main(list(argv), environ=settings.as_environ())


def gics_export(inbox: Path) -> Path:
    resources: list[dict[str, Any]] = [
        mii_consent("c-all", "P-ALL", GIVEN, permits=(*MDAT_CODES, *BIOMAT_CODES, IDAT_ERHEBEN)),
        mii_consent("c-mdat", "P-MDAT", GIVEN),
        mii_consent(
            "c-expired",
            "P-EXPIRED",
            GIVEN,
            permits=MDAT_CODES[:2],
            extra=(nested(MDAT_WISSENSCHAFTLICH_NUTZEN, "permit", GIVEN, date(2025, 12, 31)),),
        ),
        mii_consent("c-none", "P-NONE", GIVEN, permits=()),
    ]
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / "gics-export.ndjson"
    path.write_text("".join(json.dumps(resource) + "\n" for resource in resources))
    return path


def included(settings: Settings, purpose: str) -> tuple[Regime, set[str], dict[str, int]]:
    regimes = load_regimes(regimes_file(PROJECT_ROOT / "infra"))
    outcome = apply_registry_consent(
        settings.consent_registry_db, regimes, COHORT, purpose, RUN_DATE
    )
    return outcome.regime, set(outcome.included.to_pylist()), outcome.counts()


def test_an_mii_broad_consent_with_the_declared_mapping_decides_purposes_under_both_regimes(
    session_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = replace(session_settings, source_dir=tmp_path / "source")
    gics_export(settings.consent_inbox_dir)
    assert run_cli(settings, "consent", "sync") == 0
    captured = capsys.readouterr()
    synced = json.loads(captured.out.strip().splitlines()[-1])
    assert (synced[0]["accepted"], synced[0]["rejected"]) == (4, 0)
    assert synced[0]["unmapped_codes"] == [
        {
            "source": "mii-broad-consent",
            "system": POLICY_SYSTEM,
            "code": IDAT_ERHEBEN,
            "resources": 1,
        }
    ]
    # The console names it too (whitespace aside: the console wraps long lines).
    shown = f"{POLICY_SYSTEM}#{IDAT_ERHEBEN} in 1 resource(s)"
    assert "".join(shown.split()) in "".join(captured.err.split())

    # chronic-disease-research is opt_out (non-opposition): the mapping declares that an
    # unpermitted purpose is an opposition, so only whoever permitted the three MDAT codes
    # on the run date, and whoever has no consent resource at all, is included.
    regime, chosen, counts = included(settings, "chronic-disease-research")
    assert regime is Regime.OPT_OUT
    assert chosen == {"P-ALL", "P-MDAT", "P-NO-RESOURCE"}
    assert counts["excluded_denied"] == 2
    # cancer-research is opt_in (explicit consent): the MDAT and BIOMAT codes are needed.
    regime, chosen, counts = included(settings, "cancer-research")
    assert regime is Regime.OPT_IN
    assert chosen == {"P-ALL"}
    assert counts["included"] + counts["excluded_denied"] + counts["excluded_no_consent"] == 5


def test_under_no_consent_an_unpermitted_purpose_is_no_opposition(
    session_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    infra = tmp_path / "infra"
    (infra / "consent" / "sources").mkdir(parents=True)
    text = SHIPPED_MAPPING.read_text().replace(
        "unpermitted_purpose: opposition", "unpermitted_purpose: no_consent"
    )
    (infra / "consent" / "sources" / SHIPPED_MAPPING.name).write_text(text)
    settings = replace(session_settings, source_dir=tmp_path / "source", infra_dir=infra)
    gics_export(settings.consent_inbox_dir)
    assert run_cli(settings, "consent", "sync") == 0
    capsys.readouterr()
    _, chosen, counts = included(settings, "chronic-disease-research")
    assert chosen == set(COHORT.to_pylist()) and counts["excluded_denied"] == 0
    _, chosen, counts = included(settings, "cancer-research")
    assert chosen == {"P-ALL"} and counts["excluded_no_consent"] == 4


def test_a_consent_of_a_source_without_a_declared_mapping_stops_the_sync_with_exit_2(
    session_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    settings = replace(session_settings, source_dir=tmp_path / "source", infra_dir=infra)
    export = gics_export(settings.consent_inbox_dir)
    assert run_cli(settings, "consent", "sync") == 2
    err = capsys.readouterr().err
    flat = "".join(err.split())
    assert f"{export}:line1:policy.uri:" in flat
    assert "infra/consent/sources" in flat and "Traceback" not in err
    assert "P-ALL" not in err
    assert registry_status(settings.consent_registry_db).versions == 0

    # Once the steward declares the source, the same file loads.
    (infra / "consent" / "sources").mkdir(parents=True)
    shutil.copy(SHIPPED_MAPPING, infra / "consent" / "sources")
    assert run_cli(settings, "consent", "sync") == 0
    capsys.readouterr()
    assert registry_status(settings.consent_registry_db).versions == 4


def test_a_broken_mapping_file_stops_the_sync_before_anything_is_loaded(
    session_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    infra = tmp_path / "infra"
    (infra / "consent" / "sources").mkdir(parents=True)
    text = SHIPPED_MAPPING.read_text().replace("unpermitted_purpose: opposition\n", "")
    broken = infra / "consent" / "sources" / SHIPPED_MAPPING.name
    broken.write_text(text)
    settings = replace(session_settings, source_dir=tmp_path / "source", infra_dir=infra)
    gics_export(settings.consent_inbox_dir)
    assert run_cli(settings, "consent", "sync") == 2
    err = capsys.readouterr().err
    assert f"{broken}:field'unpermitted_purpose'" in "".join(err.split())
    assert registry_status(settings.consent_registry_db).versions == 0
