"""The company profile: content, links into the directory, protected e-mail, JSON-LD, vCard."""

import datetime
import json
import re

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from clusters.models import ModerationStatus
from companies.models import Company
from tests import factories

pytestmark = pytest.mark.django_db

EMAIL = "sales@konepaja.example.org"


@pytest.fixture
def company():
    region = factories.region(country="FI", name_en="Ostrobothnia", name_sv="Österbotten")
    vaasa = factories.municipality(
        region=region, name_en="Vaasa", name_sv="Vasa", latitude="63.09600", longitude="21.61577"
    )
    cluster = factories.cluster(
        name_en="Ostrobothnia Metal Cluster", name_fi="Pohjanmaan metalliklusteri"
    )
    obj = factories.company(
        name="Vaasan Konepaja Oy",
        municipality=vaasa,
        clusters=[cluster],
        business_id="0737546-2",
        vat_number="FI07375462",
        street_address="Teollisuuskatu 5; halli B",
        postal_code="65100",
        website="https://konepaja.example.org",
        email=EMAIL,
        phone="+358401234567",
        founded=1987,
        employees=42,
        description_en="Precision machining and welding </script><script>alert(1)</script> since 1987.",
        description_fi="Tarkkuuskoneistusta ja hitsausta vuodesta 1987.",
        confirmed_at=timezone.now() - datetime.timedelta(days=30),
    )
    machining = factories.capability(name_en="Machining", name_fi="Koneistus")
    turning = factories.capability(parent=machining, name_en="CNC turning", name_fi="CNC-sorvaus")
    obj.capabilities.add(turning)
    obj.materials.add(factories.material(name_en="Stainless steel"))
    obj.sectors.add(factories.sector(nace_code="25", name_en="Fabricated metal products"))
    obj.languages.add(factories.spoken_language("sv"))
    today = timezone.localdate()
    iso = factories.certification(code="ISO 9001", name_en="Quality management")
    factories.certificate(
        obj, iso, valid_until=today + datetime.timedelta(days=100), issued_by="Kiwa"
    )
    expired = factories.certification(code="ISO 3834", name_en="Welding quality")
    factories.certificate(
        obj,
        expired,
        valid_from=today - datetime.timedelta(days=800),
        valid_until=today - datetime.timedelta(days=1),
    )
    factories.offer(company=obj, title_en="Free CNC capacity in spring")
    factories.offer(company=obj, title_en="Withdrawn offer", status=ModerationStatus.WITHDRAWN)
    obj.refresh_from_db()
    obj.cluster = cluster
    obj.iso = iso
    obj.turning = turning
    return obj


def get(client, company, language="en"):
    from django.utils import translation

    with translation.override(language):
        url = company.get_absolute_url()
    return client.get(url)


def test_url_is_fixed(company):
    assert company.get_absolute_url() == "/en/companies/vaasan-konepaja-oy/"
    assert (
        reverse("companies:vcard", kwargs={"slug": company.slug})
        == "/en/companies/vaasan-konepaja-oy/vcard/"
    )


def test_profile_shows_every_public_field(client, company):
    response = get(client, company)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Vaasan Konepaja Oy", "0737546-2", "FI07375462", "65100", "Vaasa", "Ostrobothnia", "Finland",
        "1987", "42", "Small (10–49 employees)", "CNC turning", "Stainless steel", "Fabricated metal products",
        "ISO 9001", "Kiwa", "Free CNC capacity in spring", "Ostrobothnia Metal Cluster", "konepaja.example.org",
        "+358 40 1234567", "Last updated", "Last confirmed",
    ):  # fmt: skip
        assert text in html, text
    assert "Withdrawn offer" not in html
    # An expired certificate is not shown as valid.
    assert "ISO 3834" not in html


def test_description_is_escaped(client, company):
    html = get(client, company).content.decode()
    assert "<script>alert(1)</script>" not in html


def test_classification_links_into_the_filtered_directory(client, company):
    soup = BeautifulSoup(get(client, company).content, "html.parser")
    hrefs = {a["href"] for a in soup.find_all("a", href=True)}
    assert f"/en/companies/?capability={company.turning.pk}" in hrefs
    assert f"/en/companies/?certification={company.iso.pk}" in hrefs
    assert f"/en/companies/?cluster={company.cluster.pk}" in hrefs
    assert company.cluster.get_absolute_url() in hrefs
    # The link finds the company again.
    response = client.get("/en/companies/", {"certification": company.iso.pk})
    assert [c.name for c in response.context["companies"]] == ["Vaasan Konepaja Oy"]


def test_email_is_usable_but_not_in_the_html(client, company):
    html = get(client, company).content.decode()
    assert EMAIL not in html
    assert "mailto:" not in html
    assert "konepaja.example.org" in html  # the website is fine
    assert "sales [at] konepaja [dot] example [dot] org" in html
    soup = BeautifulSoup(html, "html.parser")
    encoded = soup.find(attrs={"data-protected-email": True})["data-protected-email"]
    import base64

    assert base64.b64decode(encoded).decode()[::-1] == EMAIL
    assert "@" not in encoded
    assert soup.find("script", src=re.compile(r"portal/js/email\.js$"))


def test_json_ld_organization(client, company):
    soup = BeautifulSoup(get(client, company).content, "html.parser")
    data = json.loads(soup.find("script", type="application/ld+json").string)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Organization"
    assert data["name"] == "Vaasan Konepaja Oy"
    assert data["url"] == "https://konepaja.example.org"
    assert data["address"]["addressLocality"] == "Vaasa"
    assert data["address"]["addressCountry"] == "FI"
    assert data["address"]["postalCode"] == "65100"
    assert data["taxID"] == "0737546-2" and data["vatID"] == "FI07375462"
    assert data["telephone"] == "+358401234567"
    assert data["foundingDate"] == "1987"
    assert data["knowsAbout"] == ["CNC turning"]
    assert data["memberOf"][0]["name"] == "Ostrobothnia Metal Cluster"
    assert data["geo"]["latitude"] == pytest.approx(63.096)
    assert "email" not in data
    # The description's </script> cannot close the block.
    raw = str(soup.find("script", type="application/ld+json"))
    assert raw.count("</script>") == 1
    assert "</script><script>" not in raw


def test_meta_and_open_graph(client, company):
    soup = BeautifulSoup(get(client, company).content, "html.parser")
    assert "Vaasan Konepaja Oy" in soup.title.string
    assert soup.find("meta", attrs={"name": "description"})["content"].startswith(
        "Precision machining"
    )
    assert soup.find("meta", property="og:title")["content"] == "Vaasan Konepaja Oy"
    assert soup.find("meta", property="og:type")["content"] == "profile"
    assert soup.find("link", rel="canonical")["href"].endswith("/en/companies/vaasan-konepaja-oy/")


def test_map_link_to_openstreetmap_without_embedding(client, company):
    html = get(client, company).content.decode()
    assert "https://www.openstreetmap.org/?mlat=63.09600&amp;mlon=21.61577" in html
    soup = BeautifulSoup(html, "html.parser")
    external = [
        tag for tag in soup.find_all(["iframe", "img", "script"]) if "//" in (tag.get("src") or "")
    ]
    assert external == []


def test_profile_in_finnish_uses_finnish_labels_and_content(client, company):
    html = get(client, company, "fi").content.decode()
    assert 'lang="fi"' in html
    assert "Tarkkuuskoneistusta" in html
    assert "CNC-sorvaus" in html
    assert "Pohjanmaan metalliklusteri" in html


def test_vcard(client, company):
    response = client.get(reverse("companies:vcard", kwargs={"slug": company.slug}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert 'filename="vaasan-konepaja-oy.vcf"' in response["Content-Disposition"]
    text = response.content.decode()
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCARD" and lines[1] == "VERSION:3.0"
    assert text.endswith("END:VCARD\r\n")
    assert "FN:Vaasan Konepaja Oy" in lines
    assert "ORG:Vaasan Konepaja Oy" in lines
    assert "ADR;TYPE=WORK:;;Teollisuuskatu 5\\; halli B;Vaasa;Ostrobothnia;65100;Finland" in lines
    assert "TEL;TYPE=WORK,VOICE:+358401234567" in lines
    assert f"EMAIL;TYPE=INTERNET,WORK:{EMAIL}" in lines
    assert "URL:https://konepaja.example.org" in lines
    assert "GEO:63.09600;21.61577" in lines
    assert all(len(line.encode()) <= 75 for line in lines)


def test_vcard_folds_long_lines(client, company):
    Company.objects.filter(pk=company.pk).update(name="ä" * 100 + ", Oy")
    text = client.get(reverse("companies:vcard", kwargs={"slug": company.slug})).content.decode()
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "\r\nFN:" + "ä" * 100 + "\\, Oy\r\n" in text.replace("\r\n ", "")


def test_unpublished_and_unknown_profiles_are_404(client, company):
    Company.objects.filter(pk=company.pk).update(is_published=False)
    assert client.get(company.get_absolute_url()).status_code == 404
    assert client.get(reverse("companies:vcard", kwargs={"slug": company.slug})).status_code == 404
    assert client.get("/en/companies/no-such-company/").status_code == 404
    assert client.get("/en/companies/%00/").status_code == 404


def test_profile_query_count_is_constant(client, company, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        get(client, company)


def test_unconfirmed_profile_says_so(client, company):
    Company.objects.filter(pk=company.pk).update(confirmed_at=None)
    assert "Not yet confirmed by the company" in get(client, company).content.decode()
