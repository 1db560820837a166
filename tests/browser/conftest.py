"""The browser test harness: Debian's Chromium driven by Playwright, axe-core checks.

Fixtures (docs/frontend.md is the contract):

- ``browser``: one headless Chromium per session: Debian's headless shell
  (/usr/bin/chromium-headless-shell) where it is installed, else Debian's Chromium
  (/usr/bin/chromium); never ``playwright install``.
- ``page``: a fresh 1280 px wide page with JavaScript on; ``page_no_js``: the same with
  JavaScript off. Each fails its test if the page logged a console error, which is how a
  Content-Security-Policy violation shows.
- ``page_check(page, name)``: runs axe-core on the page as it is, at 1280 px and at
  320 px, asserting no violation at either, and saves ``<name>-<width>.png`` (with
  ``-nojs`` for a page without JavaScript) into ``$RPD_SCREENSHOTS`` (default
  var/screenshots/; on CI only where RPD_SCREENSHOTS is set).

Browser tests are marked ``browser``. Without Chromium or Playwright they are skipped
with the reason, except on CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
# inside one unless told it is safe (it is: the loop is Playwright's, not Django's).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Debian's headless shell is the same Chromium built without the desktop browser around
# it, as Playwright itself runs headless tests: the whole browser pass took about 40 % less
# processor time with it (ADR 018). Debian's full Chromium drives them too, where it is
# what is installed.
CHROMIUMS = (Path("/usr/bin/chromium-headless-shell"), Path("/usr/bin/chromium"))
CHROMIUM = Path(
    os.environ.get("RPD_CHROMIUM")
    or next((path for path in CHROMIUMS if path.exists()), CHROMIUMS[-1])
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("RPD_SCREENSHOTS", ROOT / "var" / "screenshots"))
# Screenshots are for a person to look at: written on a developer's machine, and wherever
# RPD_SCREENSHOTS names a folder. CI, where nobody opens them, skips the capture: it is a
# quarter of the browser pass's time and checks nothing (ADR 018).
WRITE_SCREENSHOTS = "RPD_SCREENSHOTS" in os.environ or os.environ.get("CI") != "true"
WIDTHS = (1280, 320)
# WCAG 2.2 A and AA, and axe's best practices (landmarks, one h1, headings in order).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium-headless-shell, or chromium)"
    if not AXE.exists():
        return f"{AXE} is missing (scripts/build-assets)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


# The longest journeys (a pilot's whole first week, one per seed pathway) go first, so
# that the processes sharing the pass finish together rather than one waiting on another's
# last long journey.
LONGEST_FIRST = ("test_first_week.py",)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: not item.nodeid.split("::")[0].endswith(LONGEST_FIRST))
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items or not (reason := _missing()):
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI needs the browser tests: {reason}")
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _page(browser, javascript: bool):
    context = browser.new_context(
        viewport={"width": WIDTHS[0], "height": 900}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.rpd_javascript = javascript
    page.rpd_browser = browser
    page.rpd_console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.rpd_console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.rpd_console_errors.append(str(error)))
    return context, page


def _close(context, page):
    errors = [e for e in page.rpd_console_errors if not _expected_console_error(e)]
    if copy := getattr(page, "rpd_audit_copy", None):
        copy.context.close()
    context.close()
    assert not errors, "the page logged errors (a CSP violation?):\n" + "\n".join(errors)


def _expected_console_error(text: str) -> bool:
    # A page answering 4xx or 5xx on purpose (the 404 and 500 tests) is logged by Chrome.
    return bool(
        re.search(r"Failed to load resource: the server responded with a status of [45]", text)
    )


@pytest.fixture
def page(browser):
    context, page = _page(browser, javascript=True)
    yield page
    _close(context, page)


@pytest.fixture
def page_no_js(browser):
    context, page = _page(browser, javascript=False)
    yield page
    _close(context, page)


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is. The script is evaluated through the
    DevTools protocol, which the page's Content-Security-Policy does not govern, so the
    policy under test stays exactly as served."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    # Only the violations cross back to Python: axe's whole result (every rule's passes,
    # with each node's HTML) is several hundred kilobytes a page, and decoding it took
    # four times as long as axe's run.
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']}).then(result => result.violations)",
        AXE_TAGS,
    )


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8") + "\n;undefined"


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines += [
            f"    {' '.join(node['target'])}: {node['failureSummary']}" for node in v["nodes"]
        ]
    return "\n".join(lines)


def _scriptless_copy(page):
    """The no-JavaScript page's DOM, opened in a scripted page so that axe can run there
    (Chromium with scripts off runs no script at all, axe's included). Its own scripts
    are taken out, so it stays exactly what the person without JavaScript sees.

    One copy serves every check of the page: the first is loaded at the page's address,
    later ones are written into it (`document.write` keeps the window, so axe stays loaded
    and the stylesheets come from its cache). A new browser page, its styles and axe for
    each check took twice as long as the checks themselves."""
    html = re.sub(r"<script\b.*?</script>", "", page.content(), flags=re.S | re.I)
    copy = getattr(page, "rpd_audit_copy", None)
    if copy is None:
        copy = page.rpd_browser.new_page(viewport=page.viewport_size)
        copy.route("**/*.js", lambda route: route.abort())
        copy.route(page.url, lambda route: route.fulfill(body=html, content_type="text/html"))
        copy.goto(page.url)
        copy.unroute(page.url)
        page.rpd_audit_copy = copy
        return copy
    copy.set_viewport_size(page.viewport_size)
    copy.evaluate(
        """html => new Promise(done => {
            document.open(); document.write(html); document.close();
            const waiting = [...document.querySelectorAll("link[rel=stylesheet]")]
                .filter(link => !link.sheet)
                .map(link => new Promise(loaded => { link.onload = link.onerror = loaded; }));
            Promise.all(waiting).then(() => done());
        })""",
        html,
    )
    return copy


@pytest.fixture
def no_second_factor(settings):
    """For journeys that are not about the second factor (it has its own journeys)."""
    settings.RPD_REQUIRE_MFA = False


@pytest.fixture(params=["js", "nojs"])
def any_page(request):
    """Each test twice: with JavaScript, and with it off (every page must work without)."""
    return request.getfixturevalue("page" if request.param == "js" else "page_no_js")


# Chromium cannot capture a page taller than its largest texture (a long case page at
# 320 px can be): past this, the screenshot is the page's top this tall.
TALLEST_SCREENSHOT = 12_000


def screenshot(page, path: Path) -> None:
    """The whole page, or its top TALLEST_SCREENSHOT pixels where it is longer (none on CI
    unless asked for: WRITE_SCREENSHOTS)."""
    if not WRITE_SCREENSHOTS:
        return
    from playwright.sync_api import Error as PlaywrightError

    height = page.evaluate("document.documentElement.scrollHeight")
    options = {"path": path, "full_page": True}
    if height > TALLEST_SCREENSHOT:
        width = page.viewport_size["width"]
        options["clip"] = {"x": 0, "y": 0, "width": width, "height": TALLEST_SCREENSHOT}
    try:
        page.screenshot(**options)
    except PlaywrightError as error:
        # Chromium on a busy machine can refuse a capture just after a resize ("Unable to
        # capture screenshot"), a fault of the moment and not of the page: take it again
        # once it has drawn a frame. A second refusal is a real failure.
        if "Unable to capture screenshot" not in str(error):
            raise
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => done()))")
        page.screenshot(**options)


@pytest.fixture
def page_check():
    """Check the page as it stands at each width: no axe violation; a screenshot each."""

    def check(page, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        scripted = getattr(page, "rpd_javascript", True)
        suffix = "" if scripted else "-nojs"
        audited = page if scripted else _scriptless_copy(page)
        try:
            for width in WIDTHS:
                # The page itself is resized where it is audited or its screenshot taken.
                for p in {audited, page} if WRITE_SCREENSHOTS else {audited}:
                    p.set_viewport_size({"width": width, "height": 900})
                screenshot(page, SCREENSHOTS / f"{name}-{width}{suffix}.png")
                violations = axe_violations(audited)
                assert not violations, f"{name}{suffix} at {width} px:\n{describe(violations)}"
                # Nothing may need sideways scrolling at 320 px (WCAG 1.4.10, reflow).
                overflow = audited.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, (
                    f"{name}{suffix} at {width} px scrolls sideways by {overflow} px"
                )
        finally:
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})

    return check
