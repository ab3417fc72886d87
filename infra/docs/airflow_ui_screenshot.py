"""Takes the README's screenshot of the Airflow UI: `python infra/docs/airflow_ui_screenshot.py`.

Run it after `make demo` (so the state folder holds approved requests and runs). It starts
`sovex airflow-ui` on loopback with the simple auth manager's no-login mode (for this
screenshot only), lets headless Chromium (`apt-get install chromium-headless-shell`)
render the DAG list, then stops the UI.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "airflow-ui.png"
PAGE = "/dags"
WINDOW = "1440,900"
RENDER_BUDGET_MS = "20000"
START_TIMEOUT_S = 180


def main() -> int:
    browser = shutil.which("chromium-headless-shell") or shutil.which("chromium")
    if browser is None:
        print("needs headless Chromium: apt-get install chromium-headless-shell", file=sys.stderr)
        return 2
    environ = {**os.environ, "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True"}
    ui = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "sovex"), "airflow-ui"],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert ui.stderr is not None
        match = re.search(r"http://127\.0\.0\.1:\d+", ui.stderr.readline())
        if match is None:
            print("sovex airflow-ui did not start", file=sys.stderr)
            return 1
        url = match.group(0) + PAGE
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    print(f"{url} did not answer", file=sys.stderr)
                    return 1
                time.sleep(2)
        time.sleep(10)  # the DAG processor lists the DAGs a moment after the API answers
        OUT.parent.mkdir(exist_ok=True)
        subprocess.run(
            [
                browser,
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--window-size={WINDOW}",
                f"--virtual-time-budget={RENDER_BUDGET_MS}",
                f"--screenshot={OUT}",
                url,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        print(OUT)
        return 0
    finally:
        os.killpg(ui.pid, signal.SIGTERM)
        ui.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
