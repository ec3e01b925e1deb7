"""WCAG 2.1 AA in every language: axe-core runs inside the main pages of the portal, loaded with
the seed content (five languages) and a few demo companies. A serious or critical violation
fails the test, and the test prints every one of them."""

import pytest
from django.core.management import call_command
from django.utils import translation

from clusters.models import Cluster, Page
from companies.models import Company
from events.models import Event
from projects.models import Project
from tests.browser.conftest import format_violations

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ["en", "sv", "fi", "pl", "lt"]


@pytest.fixture
def content(settings, tmp_path):
    """The seed content of `make run` (fixtures and 12 demo companies), media in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path
    call_command("setup_portal", companies=12, verbosity=0)


def pages_in(language):
    from django.urls import reverse

    company = Company.objects.published().order_by("pk").first()
    cluster = Cluster.objects.published().order_by("pk").first()
    project = Project.objects.published().order_by("pk").first()
    event = Event.objects.published().order_by("-starts_at").first()
    statement = Page.objects.get(slug="accessibility", is_published=True)
    with translation.override(language):
        return {
            "home": reverse("portal:home"),
            "directory": reverse("companies:list"),
            "directory search": reverse("companies:list") + "?q=laser",
            "company profile": company.get_absolute_url(),
            "cluster": cluster.get_absolute_url(),
            "project": project.get_absolute_url(),
            "event": event.get_absolute_url(),
            "visit form": reverse("visit:request"),
            "accessibility statement": statement.get_absolute_url(),
        }


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_serious_or_critical_axe_violation_and_a_linked_accessibility_statement(
    page, content, language
):
    # The statement the EU Web Accessibility Directive expects, linked from every footer.
    statement = Page.objects.get(slug="accessibility", is_published=True)
    with translation.override(language):
        statement_url = statement.get_absolute_url()
    page.goto(f"/{language}/")
    link = page.locator(f"footer a[href='{statement_url}']")
    assert link.count() == 1, f"no footer link to {statement_url}"
    link.click()
    page.wait_for_url(f"**{statement_url}")
    assert page.locator("h1").inner_text().strip()
    assert len(page.locator("main").inner_text()) > 200  # a real statement, not a stub

    failures = []
    for name, url in pages_in(language).items():
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == language, url
        violations = page.axe_violations()
        if violations:
            failures.append(f"{name} ({url}):\n{format_violations(violations)}")
    assert not failures, "axe-core found serious or critical violations:\n\n" + "\n\n".join(
        failures
    )
    page.assert_clean()
