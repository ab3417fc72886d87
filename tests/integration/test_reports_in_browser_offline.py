"""The gate's Data Docs and the policy report, opened as a reader would, with the network off.

Debian's Chromium (installed by infra/services/install.sh), driven headless by Playwright.
Every request that is not a file:// one is recorded and aborted: a page must render from
its own folder alone, and must not even try to reach another host.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sovex.model.settings import PROJECT_ROOT
from sovex.policy_report import write_policy_report
from tests.unit.transforms.test_gate_docs import TABLES
from transforms.gate_docs import write_data_docs

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
# Playwright adds --headless and a fresh temporary --user-data-dir itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces: no host name resolves, whatever the routing below lets through.
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
VIEWPORT = {"width": 1280, "height": 900}
# A blank or unstyled-but-empty page has one or two colours; text and tables have many.
MIN_COLOURS = 8
# Counts the distinct colours of a PNG inside the page (createImageBitmap, no request).
COUNT_COLOURS_JS = """async (png) => {
  const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], {type: "image/png"}));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const colours = new Set();
  for (let i = 0; i < pixels.length; i += 4) {
    colours.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
  }
  return colours.size;
}"""
STYLE_JS = """(selector) => {
  const style = getComputedStyle(document.querySelector(selector));
  return {font: style.fontFamily, border: style.borderTopWidth, borderStyle: style.borderTopStyle};
}"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    index = write_data_docs(TABLES, out / "data_docs")
    validations = index.parent / "validations" / "sovex_release_gate_diagnoses"
    (validation,) = validations.rglob("*.html")
    report, _ = write_policy_report(
        PROJECT_ROOT / "infra" / "targets", out / "policy", generated_on=date(2026, 11, 30)
    )
    return {"index": index, "validation": validation, "policy_report": report}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class OfflinePage:
    """One page opened from disk; every non-file request is recorded, then aborted."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.remote_requests: list[str] = []
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.route("**/*", self._only_files)
        self.page = self.context.new_page()
        self.page.goto(path.as_uri(), wait_until="load")

    def _only_files(self, route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.remote_requests.append(route.request.url)
            route.abort()

    def text(self) -> str:
        return str(self.page.inner_text("body"))

    def style(self, selector: str) -> dict[str, str]:
        return dict(self.page.evaluate(STYLE_JS, selector))

    def colours(self) -> int:
        png = base64.b64encode(self.page.screenshot(full_page=True)).decode()
        return int(self.page.evaluate(COUNT_COLOURS_JS, png))


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    opened: list[OfflinePage] = []

    def open_(path: Path) -> OfflinePage:
        opened.append(OfflinePage(browser, path))
        return opened[-1]

    yield open_
    for page in opened:
        page.context.close()


def _assert_rendered(page: OfflinePage) -> None:
    """Styled by its own CSS (not the browser's defaults), not a single colour, and no
    request to another host attempted."""
    style = page.style("td")
    assert "Times" not in page.style("body")["font"], page.style("body")
    assert style["border"] != "0px" and style["borderStyle"] == "solid", style
    assert page.colours() >= MIN_COLOURS
    assert page.remote_requests == []


def test_the_data_docs_index_lists_every_table_and_its_status_offline(
    reports: dict[str, Path], open_page: Any
) -> None:
    page = open_page(reports["index"])

    text = page.text()
    for table, *_ in TABLES:
        assert f"sovex_release_gate_{table}" in text
    assert "Failed" in text and "Success" in text
    _assert_rendered(page)


def test_a_validation_page_shows_its_expectations_and_the_failure_offline(
    reports: dict[str, Path], open_page: Any
) -> None:
    page = open_page(reports["validation"])

    text = page.text()
    assert "sovex_release_gate_diagnoses" in text
    assert "values must match this regular expression" in text
    assert "1 unexpected values found. 50% of 2 total rows." in text
    _assert_rendered(page)


def test_failed_only_hides_the_succeeded_expectations_without_a_script(
    reports: dict[str, Path], open_page: Any
) -> None:
    page = open_page(reports["validation"])
    assert page.page.is_visible("text=values must never be null")

    page.page.click("text=Failed Only")

    assert not page.page.is_visible("text=values must never be null")
    assert page.page.is_visible("text=1 unexpected values found.")
    assert page.remote_requests == []


def test_the_policy_report_renders_offline(reports: dict[str, Path], open_page: Any) -> None:
    page = open_page(reports["policy_report"])

    text = page.text()
    assert "sovex hosting policy review" in text
    assert "aws-us-east-1" in text and "refused" in text
    _assert_rendered(page)
