from __future__ import annotations

import json

import pytest

from benchmarks.consent_ingest import MII_UNMAPPED_CODE, main


def test_the_consent_benchmark_loads_mii_consents_through_the_shipped_mapping(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--resources", "300", "--mii", "200", "--workers", "1"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    mii = summary["mii"]
    assert (mii["accepted"], mii["rejected"]) == (200, 0)
    # About half carry a code no purpose uses: reported, per code, never granted.
    [(source, _, code, resources)] = mii["unmapped_codes"]
    assert (source, code) == ("mii-broad-consent", MII_UNMAPPED_CODE) and 50 < resources < 150
    counts = mii["opt_out"]
    # 90 % grant each of the three MDAT codes: about 73 % permit chronic-disease-research,
    # the rest oppose it (unpermitted_purpose: opposition).
    assert counts["cohort"] == 200 and 100 < counts["included"] < 190
    assert counts["excluded_denied"] == 200 - counts["included"]
