"""Every public page on a phone (360 px) and a desktop (1280 px), in every language.

- No page scrolls sideways: long company names, certificate and funding tables, charts and the
  directory's controls stay within the screen (a table scrolls inside its own box).
- The visit form, the representatives' sign-in and a company's partner matching are at most
  two clicks from the home page.
- The phone menu opens and closes with its button; the navigation's links, and the checkboxes
  and radio buttons of the forms, are at least 24 × 24 px (WCAG 2.2 target size).

The data (phone_world.py) is built once for the module (tests/shared.py) and one browser page is reused. So that
the browser sees that data, which is never committed, the page's requests are answered in the
test's own thread by Django's test client (Playwright's request routing), static files by the
static file finders: the same HTML, headers (the CSP among them) and CSS as the live server,
on SQLite and PostgreSQL alike, without a server thread that could not see the transaction.
"""

import copy
import functools
import mimetypes
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.browser.conftest import ARTIFACTS, TIMEOUT_MS, BrowserPage
from tests.browser.phone_world import LONG_NAME, build_world, public_pages
from tests.shared import shared_data

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "sv", "fi", "pl", "lt"]
PHONE, DESKTOP = 360, 1280
ORIGIN = "http://localhost"  # a trustworthy origin, in ALLOWED_HOSTS
MIN_TARGET = 24  # px, WCAG 2.2 success criterion 2.5.8 (target size, minimum)


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Built once per module (and xdist worker), rolled back at its end (tests/shared.py)."""
    with shared_data(django_db_blocker, build_world) as w:
        yield w


@pytest.fixture
def world(shared_world):
    return copy.deepcopy(shared_world)


# --- The browser, answered by Django's test client ------------------------------------------


TEST_CONNECTIONS = {}  # alias → the test's own connection, while the module's browser runs
# One client for every request: a new one would build the middleware again, and WhiteNoise's
# reads the static files' folder when it is built.
CLIENT = Client(raise_request_exception=False)


@functools.cache
def static_file(path):
    """A static file as Playwright's ``fulfill`` takes it (routing turns the browser's cache
    off, so each is read once here)."""
    found = finders.find(path)
    if not found:
        return {"status": 404, "body": b""}
    content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
    return {"status": 200, "body": Path(found).read_bytes(), "content_type": content_type}


def answer(route, request):
    """Serve one of the browser's requests from Django (or a static file) in this thread."""
    # Playwright calls this inside its event loop, whose context does not hold the test's
    # database connection (Django keeps them in context-local storage): a new connection would
    # not see the module's data, still in an open transaction. Hand it the test's own.
    for alias, connection in TEST_CONNECTIONS.items():
        connections[alias] = connection
    parts = urlsplit(request.url)
    if parts.path.startswith(settings.STATIC_URL):
        route.fulfill(**static_file(parts.path.removeprefix(settings.STATIC_URL)))
        return
    headers = {
        name: value
        for name, value in request.headers.items()
        if name.lower() in {"accept", "accept-language", "cookie", "referer", "user-agent"}
    }
    CLIENT.cookies.clear()  # the browser sends its own
    response = CLIENT.generic(
        request.method,
        parts.path + (f"?{parts.query}" if parts.query else ""),
        data=request.post_data_buffer or b"",
        content_type=request.headers.get("content-type", ""),
        headers=headers,
        HTTP_HOST=parts.netloc,
    )
    body = b"".join(response) if response.streaming else response.content
    route.fulfill(status=response.status_code, headers=dict(response.items()), body=body)


@pytest.fixture(scope="module")
def context(browser, shared_world):
    TEST_CONNECTIONS.update((alias, connections[alias]) for alias in connections)
    context = browser.new_context(
        base_url=ORIGIN,
        locale="en-GB",
        viewport={"width": PHONE, "height": 800},
        service_workers="block",
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.route(re.compile(r"^" + re.escape(ORIGIN) + r"/"), answer)
    # Anything else (a CDN, a font service) would be a bug and must not hang.
    context.route(re.compile(r"^(?!" + re.escape(ORIGIN) + r"/).*"), lambda route: route.abort())
    yield context
    context.close()
    TEST_CONNECTIONS.clear()


@pytest.fixture(scope="module")
def one_page(context):
    return BrowserPage(context.new_page(), ORIGIN)


@pytest.fixture
def page(one_page, world, request):
    """The module's one page, at phone width, with no error recorded yet; a failing test leaves
    a screenshot and the page's HTML in tests/artifacts/."""
    one_page.set_viewport_size({"width": PHONE, "height": 800})
    one_page.console_errors.clear()
    one_page.failed_responses.clear()
    yield one_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        one_page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
        (ARTIFACTS / f"{stem}.html").write_text(one_page.content(), encoding="utf-8")


# --- Widths ---------------------------------------------------------------------------------

# The innermost elements that stick out of the window, to say what is too wide when a page is.
OVERFLOW = """(width) => {
    const out = [];
    const lang = document.documentElement.lang;
    for (const el of document.body.querySelectorAll("*")) {
        const box = el.getBoundingClientRect();
        if (box.right <= width + 0.5 || box.width === 0) continue;
        const inside = [...el.children].some((child) => child.getBoundingClientRect().right > width + 0.5);
        if (!inside) out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} ends at ${Math.round(box.right)} px`);
    }
    return {width: document.documentElement.scrollWidth, culprits: out.slice(0, 4), lang};
}"""


def test_no_public_page_scrolls_sideways_on_a_phone_or_a_desktop(page, world):
    too_wide = []
    for language in LANGUAGES:
        for name, url in public_pages(world, language).items():
            page.set_viewport_size({"width": PHONE, "height": 800})
            page.goto(url)
            for width in (PHONE, DESKTOP):
                if width != PHONE:
                    page.set_viewport_size({"width": width, "height": 900})
                found = page.evaluate(OVERFLOW, width)
                assert found["lang"] == language, url
                if found["width"] > width:
                    too_wide.append(
                        f"{language} {name} at {width} px is {found['width']} px wide ({url}): "
                        + "; ".join(found["culprits"])
                    )
    assert not too_wide, "pages wider than the window:\n" + "\n".join(too_wide)
    page.assert_clean()


def test_long_words_and_tables_stay_in_their_boxes_on_a_phone(page, world):
    """The profile's name breaks instead of overflowing, and its certificate table and the
    project's funding table scroll inside labelled, focusable regions."""
    page.goto(world["company"].get_absolute_url())
    heading = page.locator("h1").bounding_box()
    assert heading["x"] + heading["width"] <= PHONE
    assert page.locator("h1").inner_text() == LONG_NAME
    for url, label in [
        (world["company"].get_absolute_url(), "Standards, validity and certification bodies"),
        (world["project"].get_absolute_url(), "Funding sources"),
    ]:
        page.goto(url)
        region = page.get_by_role("region", name=label)
        assert region.count() == 1, f"no table region named {label!r} on {url}"
        assert region.get_attribute("tabindex") == "0"
        box = region.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE
        assert region.evaluate("(el) => getComputedStyle(el).overflowX") == "auto"
    page.assert_clean()


def test_cluster_chart_labels_wrap_instead_of_being_cut(page, world):
    page.goto(world["metal"].get_absolute_url())
    for chart in page.locator("figure.chart svg.chart-svg").all():
        svg = chart.bounding_box()
        for label in chart.locator("text.chart-label").all():
            box = label.bounding_box()
            assert box["x"] + box["width"] <= svg["x"] + svg["width"] + 1, label.text_content()
    sector = "Manufacture of fabricated metal products, except machinery and equipment"
    lines = page.locator("#chart-sectors text.chart-label", has_text="Manufacture").locator("tspan")
    assert lines.count() >= 2
    assert " ".join(lines.all_text_contents()) == sector


# --- Findability ----------------------------------------------------------------------------


def follow(page, link):
    """Click ``link`` and wait for the page it leads to."""
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(re.compile(re.escape(href.split("?")[0]) + r"(\?.*)?$"))


def test_visit_form_sign_in_and_partner_matching_are_two_clicks_from_home(page, world):
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    company = world["company"]
    for language in LANGUAGES:
        with translation.override(language):
            visit = reverse("visit:request")
            sign_in = reverse("my_company:login")
            directory = reverse("companies:list")
            partners = reverse("companies:partners", kwargs={"slug": company.slug})
            profile = company.get_absolute_url()
        home = f"/{language}/"

        # In every footer: the visit form and the representatives' sign-in, apart from the
        # coordinators' one (the admin).
        page.goto(home)
        assert page.locator(f"footer a[href='{visit}']").count() == 1, language
        assert page.locator(f"footer a[href='{sign_in}']").count() == 1, language
        assert page.locator("footer a[href$='/admin/']").count() == 1, language
        # The visit form: the home page's call to action.
        follow(page, page.locator(f"main a[href='{visit}']").first)
        assert page.locator("main form").count() == 1
        # The representatives' sign-in, in the header.
        page.go_back()
        assert page.path() == home
        follow(page, page.locator(f"header a[href='{sign_in}']"))
        assert page.locator("#id_username").count() == 1
        # Partner matching: home → directory → the company's partners; and its profile (one
        # click back from there) links it too.
        page.go_back()
        assert page.path() == home
        follow(page, page.locator(f"header a[href='{directory}']"))
        follow(page, page.locator(f"main a[href='{partners}']"))
        assert company.name in page.locator("h1").inner_text()
        follow(page, page.locator(f"main a[href='{profile}']").first)
        assert page.locator(f"main a[href='{partners}']").count() >= 1
    page.assert_clean()


# --- The phone menu and target sizes --------------------------------------------------------

TARGETS = """(selector) => [...document.querySelectorAll(selector)]
    .filter((el) => el.getClientRects().length)
    .map((el) => {
        const box = el.getBoundingClientRect();
        return {text: (el.textContent || el.value || "").trim().slice(0, 40),
                width: box.width, height: box.height};
    })"""

# A checkbox or a radio button is hit on itself and on its labels.
CHOICE_TARGETS = """() => [...document.querySelectorAll("input[type=checkbox], input[type=radio]")]
    .filter((el) => el.getClientRects().length)
    .map((el) => {
        const boxes = [el, ...el.labels].map((node) => node.getBoundingClientRect());
        const top = Math.min(...boxes.map((b) => b.top)), bottom = Math.max(...boxes.map((b) => b.bottom));
        const left = Math.min(...boxes.map((b) => b.left)), right = Math.max(...boxes.map((b) => b.right));
        return {text: el.name + "=" + el.value, width: right - left, height: bottom - top};
    })"""


def small(targets):
    return [t for t in targets if t["width"] < MIN_TARGET or t["height"] < MIN_TARGET]


def test_the_phone_menu_opens_and_closes_with_its_button(page, world):
    page.goto("/fi/")
    button = page.locator("button.nav-toggle")
    menu = page.locator("#" + button.get_attribute("aria-controls"))
    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()
    box = button.bounding_box()
    assert box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET

    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert menu.is_visible()
    links = menu.locator("a")
    assert links.count() >= 8  # the seven sections and the representatives' sign-in
    assert not small(page.evaluate(TARGETS, "#site-menu a"))
    for link in links.all():
        box = link.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE, link.inner_text()

    button.click()
    assert button.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()
    # Escape closes it too, and gives the focus back to the button.
    button.click()
    menu.locator("a").first.focus()
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    assert page.evaluate("() => document.activeElement.classList.contains('nav-toggle')")

    # On a wide screen there is no button: the links are simply there.
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    assert not button.is_visible()
    assert menu.is_visible()
    page.assert_clean()


def test_without_javascript_the_menu_links_stay_visible(browser, context, world):
    """A second browser context, without JavaScript, answered like the module's (``context``)."""
    no_script = browser.new_context(
        base_url=ORIGIN, java_script_enabled=False, viewport={"width": PHONE, "height": 800}
    )
    try:
        no_script.set_default_timeout(TIMEOUT_MS)
        no_script.route(re.compile(r"^" + re.escape(ORIGIN) + r"/"), answer)
        page = no_script.new_page()
        page.goto("/en/")
        assert not page.locator("button.nav-toggle").is_visible()
        assert page.locator("nav.main-nav a").first.is_visible()
        assert page.locator("#site-menu a.account-link").is_visible()
        # The directory's filters wait behind their "Filters" button, which opens them.
        page.goto(reverse("companies:list"))
        summary = page.locator("summary.filters-toggle")
        assert summary.is_visible()
        assert not page.get_by_role("button", name="Apply filters").is_visible()
        summary.click()
        assert page.get_by_role("button", name="Apply filters").is_visible()
    finally:
        no_script.close()


def test_navigation_and_form_choices_are_large_enough_to_tap(page, world):
    for width in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/en/")
        if width == PHONE:
            page.locator("button.nav-toggle").click()
        selectors = "header a, header button, header summary, footer a"
        assert not small(page.evaluate(TARGETS, selectors)), width
        # The directory's filter checkboxes (opened on a phone) and the visit form's choices.
        page.goto(reverse("companies:list"))
        if width == PHONE:
            page.locator("summary.filters-toggle").click()
        choices = page.evaluate(CHOICE_TARGETS)
        assert choices and not small(choices), small(choices)
        page.goto(reverse("visit:request"))
        choices = page.evaluate(CHOICE_TARGETS)
        assert choices and not small(choices), small(choices)
    page.assert_clean()


def test_directory_filters_come_before_the_results_on_a_phone_and_beside_them_on_a_desktop(
    page, world
):
    page.goto(reverse("companies:list"))
    toggle = page.locator("summary.filters-toggle")
    results = page.locator("#results-heading")
    apply = page.get_by_role("button", name="Apply filters")
    assert toggle.bounding_box()["y"] < results.bounding_box()["y"]
    assert not apply.is_visible()
    toggle.click()
    assert apply.is_visible()
    checkbox = page.locator(f"#f-cluster-{world['metal'].pk}")
    checkbox.check()
    apply.click()
    page.wait_for_url(re.compile(rf"cluster={world['metal'].pk}"))

    # A window lower than the filter column, which then stays in view beside the results.
    page.set_viewport_size({"width": DESKTOP, "height": 600})
    page.goto(reverse("companies:list"))
    assert not toggle.is_visible()
    facets = page.locator("#filters").bounding_box()
    assert facets["x"] + facets["width"] < results.bounding_box()["x"]  # a column on the left
    # The "Apply filters" bar sits below the options, never over one: every option's middle
    # is the option itself once it is scrolled into view.
    covered = page.evaluate(
        """() => [...document.querySelectorAll(".directory-facets .facet[open] input")].filter((input) => {
            input.scrollIntoView({block: "nearest"});
            const box = input.getBoundingClientRect();
            const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
            return hit !== input && !(input.labels[0] && input.labels[0].contains(hit));
        }).map((input) => input.id)"""
    )
    assert not covered
    page.assert_clean()
