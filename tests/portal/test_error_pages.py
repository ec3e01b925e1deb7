import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Page not found"), ("fi", "Sivua ei löydy")]
)
def test_404_page_uses_the_site_layout_in_the_visitors_language(client, language, heading):
    with override_settings(DEBUG=False):
        response = client.get(f"/{language}/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert heading in html
    assert 'name="robots" content="noindex"' in html


def test_500_page_renders_without_context(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Server error" in response.content
