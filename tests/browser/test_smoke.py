"""The browser harness itself: the live server answers, static files load, the CSP holds."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_renders_with_its_stylesheet_and_no_console_error(page):
    page.goto("/en/")
    assert page.locator("h1").count() >= 1
    # site.css applied: the skip link is moved off-screen until focused
    assert page.evaluate("() => document.styleSheets.length") >= 1
    page.assert_clean()


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page):
    page.goto("/en/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_axe_reports_what_it_should(page):
    """The scan can fail: a page with an unlabelled field and an image without a text
    alternative gives critical violations."""
    page.set_content(
        "<!DOCTYPE html><html lang='en'><head><title>t</title></head><body><main>"
        "<img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='><input type='text'></main></body></html>"
    )
    found = {violation["id"] for violation in page.axe_violations()}
    assert {"image-alt", "label"} <= found
