"""The review screen walked through in Debian's Chromium (Playwright, no browser download):
the researcher cannot approve their request, the steward reads it and approves it with a
comment, the compliance officer reads the register and the access report. Shared by
tests/integration/test_review_browser.py and infra/docs/review_screenshots.py (which saves
the screenshots to docs/screenshots/)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
# Playwright adds --headless and a fresh temporary --user-data-dir itself.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 1000}
RESEARCHER = "claire.moreau@chu-exemple.fr"
STEWARD = "paul.bernard@chu-exemple.fr"
COMPLIANCE = "nadia.haddad@chu-exemple.fr"
COMMENT = "Cohort and columns are proportionate to the purpose"
CONDITION = "No linkage with other sources"
PAGE_TIMEOUT_MS = 60_000


@dataclass(frozen=True)
class Walkthrough:
    researcher_page: str
    researcher_api_status: int
    steward_page: str
    approved_page: str
    compliance_page: str
    screenshots: tuple[Path, ...]


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(browser: Any, base: str, user: str, password: str) -> Any:
    """A page of a new browser context, logged in through Airflow's own login form."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base}/sovex/")  # redirected to the login form
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    return page


def api_approve_status(base: str, user: str, password: str, request_id: str) -> int:
    """HTTP status of an approval through the JSON API with `user`'s own token."""

    def post(path: str, body: Mapping[str, Any], token: str | None = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            base + path, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    _, token = post("/auth/token", {"username": user, "password": password})
    status, _ = post(
        f"/sovex/api/requests/{request_id}/approve", {"comment": "mine"}, token["access_token"]
    )
    return status


def walk_through(
    base: str, passwords: Mapping[str, str], request_id: str, shots: Path
) -> Walkthrough:
    shots.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []

    def shot(page: Any, name: str) -> None:
        path = shots / name
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)

    with chromium() as browser:
        researcher = log_in(browser, base, RESEARCHER, passwords[RESEARCHER])
        researcher.goto(f"{base}/sovex/requests/{request_id}")
        researcher_page = researcher.content()
        shot(researcher, "review-researcher.png")
        api_status = api_approve_status(base, RESEARCHER, passwords[RESEARCHER], request_id)

        steward = log_in(browser, base, STEWARD, passwords[STEWARD])
        steward.goto(f"{base}/sovex/")
        shot(steward, "review-queue.png")
        steward.goto(f"{base}/sovex/requests/{request_id}")
        steward.fill("#approve-comment", COMMENT)
        steward.fill("#approve-conditions", CONDITION)
        steward_page = steward.content()
        shot(steward, "review-request.png")
        steward.click("#approve")
        steward.wait_for_selector("#done")
        approved_page = steward.content()
        shot(steward, "review-approved.png")

        compliance = log_in(browser, base, COMPLIANCE, passwords[COMPLIANCE])
        compliance.goto(f"{base}/sovex/compliance")
        compliance.wait_for_selector("#register")
        compliance_page = compliance.content()
        shot(compliance, "review-compliance.png")
    return Walkthrough(
        researcher_page, api_status, steward_page, approved_page, compliance_page, tuple(taken)
    )
