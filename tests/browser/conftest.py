"""Real-browser tests: Debian's headless Chromium driven by Playwright against pytest-django's
live server.

- Chromium is /usr/bin/chromium (`apt-get install chromium`, done by .ci/run); Playwright cannot
  download browsers here. Without it (or without the playwright package) every test in this
  folder is skipped with the reason, never failed.
- Playwright's sync API runs an event loop in the test thread, so Django's "you cannot call this
  from an async context" guard must be switched off for the ORM calls the tests make.
- xdist: every worker is its own pytest session with its own test database, live server and
  browser; tests share nothing across workers.
- A failing test leaves a full-page screenshot and the page's HTML in tests/artifacts/.
"""

import os
import re
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
AXE_JS = Path(__file__).resolve().parent.parent / "assets" / "axe-core" / "axe.min.js"
TIMEOUT_MS = 15_000


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: runs in headless Chromium against the live server")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[test]')")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()
    playwright.stop()


class BrowserPage:
    """A Playwright page bound to the live server, which records console errors (CSP reports
    among them) and failed requests, and knows how to run axe-core."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.console_errors = []
        self.failed_responses = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))
        page.on("response", self._on_response)

    def _on_console(self, message):
        if message.type == "error":
            location = message.location or {}
            where = f"{location.get('url', '')}:{location.get('lineNumber', '')}"
            self.console_errors.append(f"{message.text} (at {where} on {self.page.url})")

    def _on_response(self, response):
        if response.status >= 500:
            self.failed_responses.append(f"{response.status} {response.url}")

    def __getattr__(self, name):
        return getattr(self.page, name)

    def goto(self, path, expect_status=200):
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        response = self.page.goto(url)
        assert response is not None, url
        if expect_status is not None:
            assert response.status == expect_status, f"{url} answered {response.status}"
        return response

    def path(self):
        return self.page.url.removeprefix(self.base_url)

    def assert_clean(self):
        """No JavaScript error, no CSP violation and no 5xx happened on this page so far."""
        assert not self.failed_responses, self.failed_responses
        assert not self.console_errors, self.console_errors

    def axe_violations(self, impacts=("serious", "critical")):
        """Run axe-core (WCAG 2.0/2.1 A and AA rules) in the page; return the violations of the
        given impacts. The script is evaluated through the DevTools protocol, so the page's
        Content-Security-Policy stays strict."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
        result = self.page.evaluate(
            """async () => {
                const r = await axe.run(document, {
                    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                    resultTypes: ["violations"],
                });
                return r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary),
                }));
            }"""
        )
        return [violation for violation in result if violation["impact"] in impacts]


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        viewport={"width": 1280, "height": 900},
        service_workers="block",
    )
    context.set_default_timeout(TIMEOUT_MS)
    # Only the live server: anything else (a CDN, a font service) would be a bug and must not hang.
    context.route(
        re.compile(r"^(?!" + re.escape(live_server.url) + r").*"),
        lambda route: route.abort(),
    )
    raw = context.new_page()
    wrapped = BrowserPage(raw, live_server.url)
    yield wrapped
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        try:
            raw.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
            (ARTIFACTS / f"{stem}.html").write_text(raw.content(), encoding="utf-8")
        except Exception as error:  # the page may have crashed; the test failure says why
            print(f"could not save a screenshot: {error}")
    context.close()


def format_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.extend(f"    {node}" for node in violation["nodes"])
    return "\n".join(lines)
