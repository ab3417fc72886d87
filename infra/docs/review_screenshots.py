"""Screenshots of the review screen for docs/screenshots/:
`.venv/bin/python infra/docs/review_screenshots.py`.

Uses a throw-away state folder (nothing of yours is touched): synthetic population, local
SeaweedFS, consents loaded, then `sovex airflow-ui` with the people of infra/roles.yaml as
logins; a researcher's request is submitted and walked through in Debian's Chromium
(tests/review_walkthrough.py): researcher, steward, compliance officer, one PNG per page.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"
REQUEST_ID = "diabete-revue-2026"
PATIENTS = 2000


def main() -> int:
    from anonymization.keys import create_demo_master_key
    from sovex.accounts import passwords_dir
    from sovex.consent_sync import sync_consents
    from sovex.governance.store import RequestStore
    from sovex.model.settings import settings_from_environ
    from sovex.services.storage_server import LocalStorage
    from sovex.synth.population import generate_population
    from tests.helpers import write_one_off_variant
    from tests.integration.test_review_browser import start_ui, stop
    from tests.review_walkthrough import COMPLIANCE, RESEARCHER, STEWARD, walk_through

    state = Path(tempfile.mkdtemp(prefix="sovex-review-shots-"))
    settings = settings_from_environ({"SOVEX_STATE_DIR": str(state)})
    storage = LocalStorage(settings.storage_dir)
    try:
        create_demo_master_key(settings.master_key_file)
        generate_population(settings.source_dir, patients=PATIENTS)
        storage.up()
        sync_consents(settings, datetime.now(UTC))
        request = write_one_off_variant(state, id=REQUEST_ID, project="parcours-diabete-revue")
        RequestStore.for_settings(settings).submit(request, RESEARCHER, datetime.now(UTC))
        process, base = start_ui(settings)
        try:
            folder = passwords_dir(settings)
            passwords = {
                u: (folder / u).read_text().strip() for u in (RESEARCHER, STEWARD, COMPLIANCE)
            }
            walk = walk_through(base, passwords, REQUEST_ID, OUT)
        finally:
            stop(process)
    finally:
        storage.down()
        shutil.rmtree(state, ignore_errors=True)
    for path in walk.screenshots:
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
