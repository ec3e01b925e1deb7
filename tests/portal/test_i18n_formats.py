"""Dates, numbers, money and percentages as each language writes them."""

import datetime
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation

from clusters.i18n import format_money, format_percent, resolve
from projects.models import FundingSource
from tests import factories

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "Nov. 25, 2026"),
        ("sv", "25 november 2026"),
        ("fi", "25. marraskuuta 2026"),
        ("pl", "25 listopada 2026"),
        ("lt", "2026 m. lapkričio 25 d."),
    ],
)
def test_dates(code, expected):
    with translation.override(code):
        assert formats.date_format(datetime.date(2026, 11, 25), "DATE_FORMAT") == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "1,234,567.50"),
        ("sv", f"1{NBSP}234{NBSP}567,50"),
        ("fi", f"1{NBSP}234{NBSP}567,50"),
        ("pl", f"1{NBSP}234{NBSP}567,50"),
        ("lt", f"1{NBSP}234{NBSP}567,50"),  # a space, not Django's full stop (portal/formats/lt)
    ],
)
def test_numbers(code, expected):
    with translation.override(code):
        assert formats.number_format(Decimal("1234567.5"), 2, force_grouping=True) == expected


@pytest.mark.parametrize(
    ("code", "amount", "currency", "expected"),
    [
        ("en", 500000, "EUR", "€500,000"),
        ("en", 500000, "SEK", f"SEK{NBSP}500,000"),
        ("sv", 500000, "SEK", f"500{NBSP}000{NBSP}kr"),
        ("sv", 500000, "EUR", f"500{NBSP}000{NBSP}€"),
        ("fi", 500000, "EUR", f"500{NBSP}000{NBSP}€"),
        ("fi", 500000, "SEK", f"500{NBSP}000{NBSP}SEK"),
        ("pl", Decimal("500000.00"), "PLN", f"500{NBSP}000{NBSP}zł"),
        ("pl", Decimal("1234.5"), "EUR", f"1{NBSP}234,50{NBSP}€"),
        ("lt", 250000, "EUR", f"250{NBSP}000{NBSP}€"),
        ("lt", 1500, "PLN", f"1{NBSP}500{NBSP}PLN"),
    ],
)
def test_money(code, amount, currency, expected):
    assert format_money(amount, currency, code) == expected
    with translation.override(code):
        rendered = Template("{% load i18n_extras %}{{ amount|money:currency }}").render(
            Context({"amount": amount, "currency": currency})
        )
        assert rendered == expected


def test_money_and_percent_of_nothing_are_empty():
    assert format_money(None) == "" and format_money("not a number") == ""
    assert format_percent(None) == "" and format_percent("x") == ""


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        ("en", 60, "60%"),
        ("pl", 60, "60%"),
        ("fi", 60, f"60{NBSP}%"),
        ("sv", Decimal("62.50"), f"62,5{NBSP}%"),
        ("lt", Decimal("33.33"), f"33,33{NBSP}%"),
    ],
)
def test_percent(code, value, expected):
    assert format_percent(value, code) == expected


@pytest.mark.django_db
def test_project_funding_in_polish_and_finnish(client):
    project = factories.project(total_budget=Decimal("800000"), currency="PLN")
    FundingSource.objects.create(
        project=project,
        name_en="European Regional Development Fund",
        name_pl="Europejski Fundusz Rozwoju Regionalnego",
        amount=Decimal("480000"),
        currency="PLN",
        share_percent=Decimal("60"),
    )
    with translation.override("pl"):
        path = reverse("projects:detail", kwargs={"slug": project.slug})
    text = BeautifulSoup(client.get(path).content, "html.parser").get_text()
    assert f"800{NBSP}000{NBSP}zł" in text
    assert f"480{NBSP}000{NBSP}zł" in text and "60%" in text
    assert "Europejski Fundusz Rozwoju Regionalnego" in text
    with translation.override("fi"):
        path = reverse("projects:detail", kwargs={"slug": project.slug})
    text = BeautifulSoup(client.get(path).content, "html.parser").get_text()
    assert f"480{NBSP}000{NBSP}PLN" in text and f"60{NBSP}%" in text


@pytest.mark.django_db
def test_resolve_names_the_language_of_the_value():
    company = factories.company(description_en="", description_fi="Hitsaamme terästä.")
    assert resolve(company, "description", "fi").language == "fi"
    shown = resolve(company, "description", "sv")
    assert (shown.value, shown.language, shown.is_fallback) == ("Hitsaamme terästä.", "fi", True)
    with translation.override("sv"):
        assert shown.note == "på finska"
        assert company.description == shown.value  # the same chain as modeltranslation's
    assert resolve(company, "name", "fi").value == company.name  # an untranslated field
