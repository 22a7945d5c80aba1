"""Journeys in a real Chromium (Debian's, driven by Playwright) against ``live_server``.

Every page a journey shows is checked the way a person would meet it: no response ≥ 500 while it
loads or while the user acts on it, axe-core finds no WCAG 2.1 A/AA violation, no id is used twice
nor referred to without existing, the page does not scroll sideways at 320 px (WCAG 1.4.10), and
a screenshot is kept. The items axe cannot decide ("incomplete": to be reviewed by a person) are written to
``<artifacts>/axe-needs-review.md``; screenshots go to ``<artifacts>/<journey>/``. The artifacts
folder is ``.test-media/browser`` (git-ignored) unless ``BROWSER_ARTIFACTS`` says otherwise.

One Chromium per test session; each journey gets its own browser context (cookies, viewport).
"""

from __future__ import annotations

import json
import os
import re
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, ROOT

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls (set-up,
# checks, the database flush after each journey) are still plain synchronous code between two
# browser calls. Set for the whole run: a subprocess that stands for a deployment drops it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_SOURCE_PATH = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / ".test-media" / "browser"))
DESKTOP = {"width": 1280, "height": 900}

_axe_figures: list[dict] = []
_needs_review: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser
        finally:
            browser.close()
    _write_axe_report()


class Journey:
    """A person in the browser: visits pages, acts on them, and each page shown is checked."""

    def __init__(self, browser, base_url: str, name: str):
        self.base_url = base_url
        self.name = name
        self.context = browser.new_context(viewport=DESKTOP, locale="fr-FR",
                                           timezone_id="Europe/Paris")
        self.context.set_default_timeout(15_000)
        self.context.add_init_script(path=str(AXE_SOURCE_PATH))
        self.server_errors: list[str] = []
        self.context.on("response", self._on_response)
        self.page = self.context.new_page()
        self.shots = 0
        (ARTIFACTS / name).mkdir(parents=True, exist_ok=True)

    def _on_response(self, response):
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def url(self, path: str) -> str:
        return self.base_url + path

    def visit(self, path: str, label: str | None = None):
        response = self.page.goto(self.url(path))
        assert response is not None and response.status < 400, (
            f"{path} answered {response.status if response else 'nothing'}")
        if label:
            self.check(label)
        return response

    def check(self, label: str) -> None:
        """The page as it is now: no server error so far, no WCAG 2.1 A/AA violation; keep a
        screenshot and the items axe leaves to a person."""
        self.assert_no_server_error()
        self.page.wait_for_load_state("load")
        result = self.page.evaluate(
            """async (tags) => {
                 if (typeof axe === "undefined") { return null; }
                 const r = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                                    resultTypes: ["violations", "incomplete"]});
                 const brief = (items) => items.map((i) => ({
                     id: i.id, impact: i.impact, help: i.help,
                     nodes: i.nodes.map((n) => n.target.join(" ") + " — " +
                                        (n.failureSummary || "").replace(/\\s+/g, " "))}));
                 return {violations: brief(r.violations), incomplete: brief(r.incomplete),
                         passes: r.passes.length};
               }""", WCAG_TAGS)
        assert result is not None, f"axe-core was not injected into {self.page.url}"
        markup = self.page.evaluate(
            """() => {
                 const ids = Array.from(document.querySelectorAll("[id]"), (e) => e.id);
                 const duplicated = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
                 const dangling = [];
                 for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls"]) {
                   for (const e of document.querySelectorAll("[" + attr + "]")) {
                     for (const id of e.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
                       if (!document.getElementById(id)) { dangling.push(attr + "=" + id); }
                     }
                   }
                 }
                 return {duplicated, dangling};
               }""")
        self.assert_fits(320)
        assert not markup["duplicated"], f"duplicated ids on {label}: {markup['duplicated']}"
        assert not markup["dangling"], f"references to missing ids on {label}: {markup['dangling']}"
        self.screenshot(label)
        path = re.sub(r"^https?://[^/]+", "", self.page.url)
        _axe_figures.append({"journey": self.name, "page": label, "path": path,
                             "violations": len(result["violations"]),
                             "incomplete": len(result["incomplete"])})
        for item in result["incomplete"]:
            for node in item["nodes"]:
                rule = f"{item['id']} ({item['impact'] or '—'}): {item['help']}"
                _needs_review[rule][node].append(f"{self.name} › {label}")
        assert not result["violations"], (
            f"axe-core: WCAG 2.1 A/AA violations on {label} ({path}):\n"
            + json.dumps(result["violations"], ensure_ascii=False, indent=1))

    def screenshot(self, label: str, *, full_page: bool = True) -> Path:
        self.shots += 1
        plain = unicodedata.normalize("NFKD", label.lower()).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
        target = ARTIFACTS / self.name / f"{self.shots:02d}-{slug}.png"
        self.page.screenshot(path=str(target), full_page=full_page)
        return target

    def assert_no_server_error(self) -> None:
        assert not self.server_errors, f"server errors: {self.server_errors}"

    def assert_fits(self, width: int = 320, label: str | None = None) -> None:
        """No horizontal scrolling at ``width`` CSS pixels (WCAG 1.4.10, reflow)."""
        previous = self.page.viewport_size
        self.page.set_viewport_size({"width": width, "height": 800})
        try:
            scroll_width = self.page.evaluate("document.documentElement.scrollWidth")
            if label:
                self.screenshot(f"{label}-{width}px", full_page=False)
            assert scroll_width <= width, (
                f"{self.page.url} scrolls horizontally at {width} px: {scroll_width} px wide; "
                f"widest: {self._widest(width)}")
        finally:
            self.page.set_viewport_size(previous)

    def _widest(self, width: int) -> list[str]:
        return self.page.evaluate(
            """(width) => Array.from(document.querySelectorAll("body *"))
                 .filter((e) => e.getBoundingClientRect().right > width + 1)
                 .slice(0, 8).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
                     (e.className && typeof e.className === "string" ? "." + e.className.split(" ").join(".") : "") +
                     " right=" + Math.round(e.getBoundingClientRect().right))""", width)

    def settle(self) -> None:
        """Let the page's pending htmx requests (autosave after typing: 900 ms) finish."""
        self.page.wait_for_timeout(1_000)
        self.page.wait_for_function("document.querySelectorAll('.htmx-request').length === 0")
        self.assert_no_server_error()

    def assert_focus_ring(self, locator, minimum: float = 3.0) -> None:
        """Focused from the keyboard, ``locator`` shows an outline contrasting at least
        ``minimum``:1 with the background around it (WCAG 2.4.7 and 1.4.11)."""
        locator.focus()  # then back and forth with the keyboard, so that :focus-visible applies
        self.page.keyboard.press("Shift+Tab")
        self.page.keyboard.press("Tab")
        ratio = self.page.evaluate(
            r"""(element) => {
                 const rgb = (c) => (c.match(/[\d.]+/g) || [0, 0, 0]).slice(0, 3).map(Number);
                 const lum = ([r, g, b]) => [r, g, b].map((v) => {
                     v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
                 }).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
                 const style = getComputedStyle(element);
                 if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) { return 0; }
                 let parent = element.parentElement, background = "rgba(0, 0, 0, 0)";
                 while (parent && /rgba\(.*, 0\)|transparent/.test(background)) {
                     background = getComputedStyle(parent).backgroundColor; parent = parent.parentElement;
                 }
                 const [a, b] = [lum(rgb(style.outlineColor)), lum(rgb(background))];
                 return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
               }""", locator.element_handle())
        assert ratio >= minimum, f"focus ring contrast {ratio:.2f}:1 < {minimum}:1"

    def log_in(self, email: str, password: str, *, expect: str | None = None) -> None:
        self.visit("/compte/connexion/", "connexion")
        self.page.get_by_label("Adresse électronique").fill(email)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        self.page.wait_for_load_state()
        if expect:
            self.page.get_by_text(expect).first.wait_for()
        self.assert_no_server_error()

    def confirm_email(self, address: str) -> None:
        """Open the address confirmation link of the last e-mail sent to ``address``."""
        from django.core import mail

        message = [m for m in mail.outbox if address in m.to][-1]
        path = re.search(r"/compte/confirmer/[^\s\"<>]+", message.body).group(0)
        self.page.goto(self.url(path))
        self.assert_no_server_error()

    def log_out(self) -> None:
        self.page.get_by_role("button", name="Se déconnecter").click()
        self.page.wait_for_load_state()
        self.assert_no_server_error()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def journey_factory(chromium, live_server, request):
    started = time.monotonic()
    journeys: list[Journey] = []

    def make(name: str | None = None) -> Journey:
        journey = Journey(chromium, live_server.url, name or request.node.name.removeprefix("test_"))
        journeys.append(journey)
        return journey

    yield make
    for journey in journeys:
        journey.close()
    for journey in journeys:
        journey.assert_no_server_error()
    _axe_figures.append({"journey": request.node.name.removeprefix("test_"),
                         "seconds": round(time.monotonic() - started, 1)})


@pytest.fixture
def journey(journey_factory):
    return journey_factory()


def _write_axe_report() -> None:
    if not _axe_figures:
        return
    lines = ["# axe-core: pages checked and items to review by a person", "",
             f"Rules: WCAG 2.1 A/AA ({', '.join(WCAG_TAGS)}), axe-core "
             f"{_axe_version()}.", "", "| journey | page | path | violations | to review |",
             "|---|---|---|---|---|"]
    for row in _axe_figures:
        if "seconds" in row:
            lines.append(f"| {row['journey']} | (run time) | | {row['seconds']} s | |")
        else:
            lines.append(f"| {row['journey']} | {row['page']} | `{row['path']}` | "
                         f"{row['violations']} | {row['incomplete']} |")
    lines += ["", "## Needs review (axe « incomplete »)", ""]
    if not _needs_review:
        lines.append("Nothing.")
    for rule, nodes in sorted(_needs_review.items()):
        lines.append(f"### {rule}")
        for node, pages in nodes.items():
            shown = "; ".join(pages[:4]) + (f"; and {len(pages) - 4} more" if len(pages) > 4 else "")
            lines.append(f"- `{node}` — {len(pages)} page(s): {shown}")
        lines.append("")
    (ARTIFACTS / "axe-needs-review.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _axe_version() -> str:
    head = AXE_SOURCE_PATH.read_text(encoding="utf-8")[:40]
    match = re.search(r"axe v([\d.]+)", head)
    return match.group(1) if match else "?"
