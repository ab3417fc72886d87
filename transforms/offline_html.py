"""Generated HTML that loads nothing from outside the folder it is published in.

`external_urls` lists every URL of another host a page could load or point to: an http(s)
or protocol-relative (`//host/…`) attribute value, an http(s) URL inside any attribute,
inline CSS (`<style>`, `style=`, `url(...)`, `@import`), an inline script or a comment.
Text shown on the page (a target's endpoint named in the policy report) is not loaded and
is not listed. An allowlist of URL prefixes may admit some; sovex's pages admit none, so
only relative links (the extract's own objects) remain.

`make_site_offline` rewrites a Great Expectations Data Docs site in place, then checks
every page and stylesheet and fails closed (`ExternalUrlFound`, a SovexError) if a URL
is left. GX 1.x pages load Bootstrap 4, bootstrap-table, jQuery, Popper, Font Awesome,
datepicker and Vega from public CDNs and the GX logo from an AWS bucket; GX ships none of
these files (only its fonts, images and the CSS it already inlines), and no installed
package ships the Bootstrap 4 and bootstrap-table they need. So each page is rewritten:

- every `<script>` is dropped; the index's two tables, which bootstrap-table filled from
  a script's `columns`/`data` arrays, are written as plain HTML tables first (same rows
  and links, status as text; GX's sorting and search are not kept). A page whose dropped
  script would still draw content (a Vega graph, another bootstrap-table) is refused;
- stylesheet `<link>`s to other hosts are dropped and `PAGE_CSS`, sovex's own small
  stylesheet for the Bootstrap classes GX uses, is inlined in each page;
- the logo `<img>` points at the copy GX writes into the site (static/images), any other
  remote `<img>` is dropped, remote `href`s lose the attribute (the text stays), remote
  CSS `url(...)` becomes `none` and a remote `@import` is removed; GX's newsletter and
  tutorial `<footer>`s are dropped.

GX's CSS files under static/styles (not linked by the pages, which inline them) get the
same CSS rewrite and check.
"""

from __future__ import annotations

import ast
import html
import os
import re
from collections.abc import Collection
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Final

from sovex.model.errors import SovexError

# An http(s) URL, up to a quote, space or bracket.
_URL: Final = re.compile(r"""https?://[^\s"'<>()\\]+""", re.I)
# A protocol-relative URL where CSS loads one: url(//host/…) or @import "//host/…".
_CSS_SCHEMELESS: Final = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*(//[^\s'")]+)""", re.I)
# An attribute value that is itself an absolute or protocol-relative URL.
_ABSOLUTE: Final = re.compile(r"\s*(?:https?:)?//", re.I)
_CSS_URL: Final = re.compile(r"""url\(\s*(['"]?)\s*((?:https?:)?//[^'")]*)\1\s*\)""", re.I)
_CSS_IMPORT: Final = re.compile(r"""@import\s+(?:url\()?\s*['"]?\s*(?:https?:)?//[^;]*;""", re.I)
_SCRIPT: Final = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.S | re.I)
_LINK: Final = re.compile(r"<link\b[^>]*>", re.I)
_IMG: Final = re.compile(r"<img\b[^>]*>", re.I)
_FOOTER: Final = re.compile(r"<footer\b.*?</footer\s*>", re.S | re.I)
_REMOTE_ATTRIBUTE: Final = re.compile(
    r"""\s(?:href|src|srcset|action|poster|data|background)\s*=\s*"""
    r"""(?:"\s*(?:https?:)?//[^"]*"|'\s*(?:https?:)?//[^']*')""",
    re.I,
)
_SRC: Final = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_HREF: Final = re.compile(r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
# bootstrap_table.j2: `$('#ID').bootstrapTable(Object.assign({columns: [...], data: [...],`
# both arrays printed by Python's repr on one line each.
_BOOTSTRAP_TABLE: Final = re.compile(
    r"\$\('#(?P<id>[\w.-]+)'\)\.bootstrapTable\(\s*Object\.assign\(\s*\{\s*"
    r"columns: (?P<columns>[^\n]*),\s*\n\s*data: (?P<data>[^\n]*),\s*\n"
)
# What a script draws: a table (converted above), a graph, a row added to a table head.
_DRAWING: Final = re.compile(
    r"\.bootstrapTable\(\s*(?:Object\.assign\(|\{)|vegaEmbed\(|\.prepend\("
)
# GX writes these images into the site's static/images; remote copies are swapped for them.
_SITE_IMAGES: Final = frozenset({"logo-long.png", "short-logo.png"})

# sovex's stylesheet for the Bootstrap 4 classes GX's pages use (no framework file).
PAGE_CSS: Final = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; font-size: 15px; line-height: 1.5; color: #212529; background: #fff;
       margin: 0; }
a { color: #0056b3; }
a:not([href]) { color: inherit; }
h4, h5, h6, .h6 { margin: 0 0 .4rem; font-weight: 600; }
.lead { font-size: 1.1rem; }
.row { display: flex; flex-wrap: wrap; }
.col-12 { flex: 0 0 100%; max-width: 100%; }
.col-6 { flex: 0 0 50%; max-width: 50%; }
.col-sm-12, .col-xs-12 { flex: 0 0 100%; max-width: 100%; }
@media (min-width: 768px) {
  .col-md-2 { flex: 0 0 16.66%; max-width: 16.66%; }
  .col-md-10 { flex: 0 0 83.33%; max-width: 83.33%; }
  .d-md-block { display: block !important; }
  .d-md-inline-flex { display: inline-flex !important; }
}
.container-fluid { box-sizing: border-box; width: 100%; padding: 0 1rem; }
.d-none { display: none; }
.d-flex { display: flex; }
.navbar { display: flex; align-items: center; padding: .5rem 1rem; background: #fff; }
.border-bottom { border-bottom: 1px solid #dee2e6; }
.sticky-top { position: sticky; top: 0; z-index: 1020; }
.breadcrumb { list-style: none; margin: 0 0 0 1rem; padding: .5rem 1rem; gap: .5rem;
              background: #f8f9fa; border-radius: .25rem; }
.breadcrumb-item + .breadcrumb-item::before { content: "/ "; color: #6c757d; }
.nav { list-style: none; padding: 0; margin: 0; }
.nav-tabs { display: flex; list-style: none; padding: 0; margin: 0 0 .5rem;
            border-bottom: 1px solid #dee2e6; }
.nav-link { display: block; padding: .3rem .8rem; text-decoration: none; }
.tab-pane { display: block; margin-bottom: 1.5rem; }
.alert { padding: .6rem 1rem; margin-bottom: 1rem; border: 1px solid #d6d8db;
         border-radius: .25rem; }
.alert-secondary { background: #e2e3e5; color: #383d41; }
.card { border: 1px solid #dee2e6; border-radius: .25rem; margin-bottom: 1rem; }
.card-header { padding: .5rem; background: #f7f7f7; border-bottom: 1px solid #dee2e6; }
.card-body { padding: .75rem; }
.badge { display: inline-block; padding: .1rem .4rem; font-size: .8rem; border-radius: .25rem;
         background: #6c757d; color: #fff; }
.btn { display: inline-block; padding: .25rem .6rem; border: 1px solid #0056b3;
       border-radius: .25rem; background: #fff; color: #0056b3; cursor: pointer; }
.btn input { margin: 0 .3rem 0 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid #c8ccd0; padding: .35rem .5rem; text-align: left;
         vertical-align: top; }
thead th { background: #f0f1f2; }
thead[hidden] { display: none; }
.text-success { color: #1e7e34; }
.text-danger { color: #b21f2d; }
.fas { font-style: normal; font-weight: bold; }
.fa-check-circle::before { content: "\\2714"; }
.fa-times::before { content: "\\2718"; }
.fa-question-circle::before { content: "?"; }
.sovex-status { margin-left: .3rem; }
[id$="-body-table-toolbar"], .invisible, #ge-cta-footer { display: none; }
/* "Failed only" (the radio GX labels so) hides what succeeded, without a script. */
body:has(#option2:checked) tr:has(> .hide-succeeded-validation-target-child),
body:has(#option2:checked) .ge-section:has(.hide-succeeded-validations-column-section-target-child)
  { display: none; }
@media (prefers-color-scheme: dark) {
  .table { color: inherit !important; background-color: transparent; }
  .navbar-brand a img { visibility: visible; }
}
"""


class ExternalUrlFound(SovexError):
    """A generated page would load or link something outside its own folder."""

    def __init__(self, pages: dict[str, list[str]]) -> None:
        self.pages = pages
        listed = "; ".join(f"{page}: {', '.join(urls)}" for page, urls in sorted(pages.items()))
        super().__init__(f"generated HTML names third-party URLs (nothing was written): {listed}")


class _UrlCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._raw_text: str | None = None  # "style" or "script" while inside one

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "style":
                self.urls.extend(_css_urls(value))
            elif _ABSOLUTE.match(value):
                self.urls.append(value.strip())
            else:  # a URL inside a value: srcset, a refresh's content, an onclick
                self.urls.extend(_URL.findall(value))
        if tag in ("style", "script"):
            self._raw_text = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._raw_text = None

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw_text:
            self._raw_text = None

    def handle_data(self, data: str) -> None:
        if self._raw_text == "style":
            self.urls.extend(_css_urls(data))
        elif self._raw_text == "script":  # any string of a script may be fetched
            self.urls.extend(_URL.findall(data))

    def handle_comment(self, data: str) -> None:
        self.urls.extend(_URL.findall(data))  # conditional comments load what they name


def _css_urls(stylesheet: str) -> list[str]:
    return _URL.findall(stylesheet) + _CSS_SCHEMELESS.findall(stylesheet)


def external_urls(page: str, allowed: Collection[str] = ()) -> list[str]:
    """Every http(s) URL of `page` (HTML) in an attribute, inline CSS, an inline script or
    a comment, and every protocol-relative one (`//host/…`) in an attribute or CSS, except
    those starting with a prefix in `allowed`; repeats included."""
    collector = _UrlCollector()
    collector.feed(page)
    collector.close()
    return [url for url in collector.urls if not url.startswith(tuple(allowed))]


def external_urls_in_css(stylesheet: str, allowed: Collection[str] = ()) -> list[str]:
    """Every http(s) or protocol-relative URL of a CSS file, except the `allowed` ones."""
    return [url for url in _css_urls(stylesheet) if not url.startswith(tuple(allowed))]


def make_site_offline(site_dir: Path) -> None:
    """Rewrite every page and stylesheet of the GX site at `site_dir` to load nothing from
    another host; raise ExternalUrlFound (listing page and URLs) if any URL remains, or
    SovexError if a page cannot be rewritten without losing content."""
    left: dict[str, list[str]] = {}
    for page in sorted(site_dir.rglob("*.html")):
        root = Path(os.path.relpath(site_dir, page.parent)).as_posix()
        name = page.relative_to(site_dir).as_posix()
        rewritten = offline_page(page.read_text(encoding="utf-8"), root, name)
        page.write_text(rewritten, encoding="utf-8")
        if urls := external_urls(rewritten):
            left[name] = urls
    for stylesheet in sorted(site_dir.rglob("*.css")):
        rewritten = _offline_css(stylesheet.read_text(encoding="utf-8"))
        stylesheet.write_text(rewritten, encoding="utf-8")
        if urls := external_urls_in_css(rewritten):
            left[stylesheet.relative_to(site_dir).as_posix()] = urls
    if left:
        raise ExternalUrlFound(left)


def offline_page(page: str, root: str, name: str = "page") -> str:
    """`page` (one GX Data Docs page) rewritten as described in the module docstring;
    `root` is the relative path from the page's folder to the site's root."""
    page, converted = _static_tables(page, name)
    drawn = sum(len(_DRAWING.findall(script)) for script in _SCRIPT.findall(page))
    if drawn != converted:
        raise SovexError(f"data docs: {name} draws content with a script sovex cannot keep")
    page = _SCRIPT.sub("", page)
    page = _FOOTER.sub("", page)
    page = _LINK.sub(lambda m: "" if _remote(_HREF, m.group(0)) else m.group(0), page)
    page = _IMG.sub(lambda m: _offline_img(m.group(0), root), page)
    page = _REMOTE_ATTRIBUTE.sub("", page)
    page = _offline_css(page)
    return page.replace("</head>", f"<style>{PAGE_CSS}</style>\n</head>", 1)


def _remote(attribute: re.Pattern[str], tag: str) -> bool:
    found = attribute.search(tag)
    return bool(found and _ABSOLUTE.match(found.group(1) or found.group(2) or ""))


def _offline_img(tag: str, root: str) -> str:
    found = _SRC.search(tag)
    if not found or not _ABSOLUTE.match(src := found.group(1) or found.group(2) or ""):
        return tag
    file_name = src.split("?", 1)[0].rsplit("/", 1)[-1]
    if file_name not in _SITE_IMAGES:
        return ""
    local = html.escape(f"{root}/static/images/{file_name}")
    return tag[: found.start()] + f' src="{local}"' + tag[found.end() :]


def _offline_css(text: str) -> str:
    return _CSS_URL.sub("none", _CSS_IMPORT.sub("", text))


def _static_tables(page: str, name: str) -> tuple[str, int]:
    """Each bootstrap-table of `page` written out as a plain table (its script is dropped
    later with the others), and how many."""
    found_tables = list(_BOOTSTRAP_TABLE.finditer(page))
    for found in found_tables:
        table_id = found.group("id")
        try:
            columns = ast.literal_eval(found.group("columns"))
            rows = ast.literal_eval(found.group("data"))
        except (ValueError, SyntaxError):
            raise SovexError(f"data docs: {name}: GX's table {table_id} cannot be read") from None
        empty = re.compile(rf'(<table\s+id="{re.escape(table_id)}"[^>]*>)\s*</table>')
        places = list(empty.finditer(page))
        if len(places) != 1:
            raise SovexError(f"data docs: {name}: GX's table {table_id} has no single place")
        (place,) = places
        body = _table_body(columns, rows)
        page = page[: place.end(1)] + body + "</table>" + page[place.end() :]
    return page, len(found_tables)


def _table_body(columns: list[dict[str, Any]], rows: list[dict[str, Any]]) -> str:
    """thead and tbody of a bootstrap-table's `columns` and `data`. Cells are GX's own HTML,
    as bootstrap-table showed them; the first cell links to the row's page."""
    head = "".join(f"<th>{html.escape(str(column.get('title', '')))}</th>" for column in columns)
    lines = [f"<thead><tr>{head}</tr></thead><tbody>"]
    for row in rows:
        cells = []
        for index, column in enumerate(columns):
            cell = str(row.get(column["field"], ""))
            if column["field"] == "validation_success" and "_validation_success_text" in row:
                status = html.escape(str(row["_validation_success_text"]))
                cell += f'<span class="sovex-status">{status}</span>'
            if index == 0 and "_table_row_link_path" in row:
                link = html.escape(str(row["_table_row_link_path"]))
                cell = f'<a href="{link}">{cell}</a>'
            cells.append(f"<td>{cell}</td>")
        lines.append(f"<tr>{''.join(cells)}</tr>")
    lines.append("</tbody>")
    return "\n".join(lines)


__all__ = [
    "PAGE_CSS",
    "ExternalUrlFound",
    "external_urls",
    "external_urls_in_css",
    "make_site_offline",
    "offline_page",
]
