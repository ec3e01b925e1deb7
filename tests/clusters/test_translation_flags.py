"""Translations that may be outdated: flags set and cleared by saves, the admin's filter, notice,
checkbox and action, the dashboard's counts and the public pages' note."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from clusters import coverage
from clusters.models import TranslationFlag
from events.models import Event
from portal.dashboard import outdated_translations
from tests import factories

pytestmark = pytest.mark.django_db

PROGRAMME = {
    "programme_en": "10:00 Welcome\n11:00 Company visits",
    "programme_fi": "10:00 Tervetuloa\n11:00 Yritysvierailut",
    "programme_lt": "10:00 Sveikinimas\n11:00 Įmonių vizitai",
}


def flags(obj, field=None):
    found = TranslationFlag.objects.filter(object_id=obj.pk)
    if field:
        found = found.filter(field=field)
    return {(flag.field, flag.language, flag.changed_language) for flag in found}


def languages(obj, field):
    return {language for _field, language, _changed in flags(obj, field)}


@pytest.fixture
def event():
    return factories.event(title_en="Seminar", title_fi="Seminaari", **PROGRAMME)


def edit(obj, **values):
    """Read the row again (as a form would) and save it with the new values."""
    obj = type(obj).objects.get(pk=obj.pk)
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save()
    return obj


def test_editing_one_language_flags_the_others_that_have_text(event):
    edit(event, programme_fi="09:30 Tervetuloa\n11:00 Yritysvierailut")
    assert flags(event) == {("programme", "en", "fi"), ("programme", "lt", "fi")}


def test_no_flag_for_a_new_object_nor_for_empty_languages(event):
    assert flags(event) == set()
    edit(event, title_en="Seminar on welding")
    # Polish, Swedish and Lithuanian have no title: nothing to be outdated.
    assert flags(event) == {("title", "fi", "en")}


def test_writing_a_language_for_the_first_time_or_removing_one_flags_nothing(event):
    edit(event, programme_sv="10:00 Välkommen")
    edit(event, programme_lt="")
    assert flags(event) == set()


def test_bringing_a_flagged_language_up_to_date_clears_its_flag_only(event):
    edit(event, programme_fi="09:30 Tervetuloa")
    edit(event, programme_en="09:30 Welcome")
    # English caught up with the Finnish edit; Lithuanian still waits, Finnish is not doubted.
    assert flags(event) == {("programme", "lt", "fi")}
    edit(event, programme_lt="09:30 Sveikinimas")
    assert flags(event) == set()


def test_an_edit_of_an_unflagged_language_flags_the_rest_again(event):
    edit(event, programme_fi="09:30 Tervetuloa")
    edit(event, programme_en="09:30 Welcome\n12:00 Lunch")  # catches up: English was flagged
    edit(event, programme_en="09:30 Welcome\n12:30 Lunch")  # a new edit of English
    assert flags(event, "programme") == {("programme", "fi", "en"), ("programme", "lt", "en")}


def test_update_fields_and_raw_saves(event):
    event = Event.objects.get(pk=event.pk)
    event.programme_fi = "09:30 Tervetuloa"
    event.save(update_fields=["capacity"])  # the programme is not saved
    assert flags(event) == set()
    event.save(update_fields=["programme_fi"])
    assert languages(event, "programme") == {"en", "lt"}


def test_a_save_without_a_translated_change_costs_no_query(event):
    event = Event.objects.get(pk=event.pk)
    event.capacity = 40
    with CaptureQueriesContext(connection) as captured:
        event.save()
    sql = " ".join(query["sql"] for query in captured.captured_queries).lower()
    assert "translationflag" not in sql
    assert not [q for q in captured.captured_queries if q["sql"].lower().startswith("select")]


def test_another_model_company_description(client):
    company = factories.company(description_en="We weld.", description_sv="Vi svetsar.")
    edit(company, description_sv="Vi svetsar och bockar.")
    assert flags(company) == {("description", "en", "sv")}


# --- Admin -----------------------------------------------------------------------------------


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_admin_filter_lists_the_flagged_records_per_language(admin_client, event):
    other = factories.event(title_en="Other", title_lt="Kitas")
    edit(event, programme_fi="09:30 Tervetuloa")
    edit(other, title_lt="Kitas renginys")
    url = reverse("admin:events_event_changelist")
    listed = lambda code: set(  # noqa: E731
        admin_client.get(f"{url}?outdated_translation={code}").context["cl"].result_list
    )
    assert listed("en") == {event, other}
    assert listed("lt") == {event}
    assert listed("sv") == set()
    page = admin_client.get(url).content.decode()
    assert "By translation may be outdated in" in page


def test_change_form_tells_and_the_checkbox_confirms(admin_client, event):
    edit(event, programme_fi="09:30 Tervetuloa")
    page = admin_client.get(change_url(event))
    soup = BeautifulSoup(page.content, "html.parser")
    notice = soup.select_one(".messagelist .warning").get_text()
    assert "Programme: in English, in Lithuanian (changed in Finnish on" in notice
    assert len(soup.select("input[name=translations_checked]")) == 1
    assert "The other languages are still correct" in soup.get_text()
    # A form without flags has no checkbox.
    clean = factories.event(title_en="Clean")
    assert b"translations_checked" not in admin_client.get(change_url(clean)).content


def test_saving_the_change_form_with_the_checkbox_clears_the_flags(admin_client, event):
    from tests.admin_helpers import form_data  # noqa: PLC0415 - only these tests need it

    edit(event, programme_fi="09:30 Tervetuloa")
    data = form_data(admin_client.get(change_url(event)))
    data["translations_checked"] = "on"
    response = admin_client.post(change_url(event), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert flags(event) == set()


def test_the_history_revert_form_of_a_flagged_object_still_opens(admin_client, event):
    edit(event, programme_fi="09:30 Tervetuloa")
    record = event.history.earliest()
    url = reverse("admin:events_event_simple_history", args=[event.pk, record.history_id])
    assert admin_client.get(url).status_code == 200


def test_the_action_marks_translations_as_checked(admin_client, event):
    other = factories.event(title_en="Other", title_lt="Kitas")
    edit(event, programme_fi="09:30 Tervetuloa")
    edit(other, title_lt="Kitas renginys")
    response = admin_client.post(
        reverse("admin:events_event_changelist"),
        {"action": "mark_translations_checked", ACTION_CHECKBOX_NAME: [event.pk]},
        follow=True,
    )
    assert "2 translations marked as checked." in response.content.decode()
    assert flags(event) == set()
    assert flags(other) == {("title", "en", "lt")}


def test_a_coordinator_confirms_only_their_own(client, event):
    cluster, elsewhere = factories.cluster(), factories.cluster()
    mine = factories.event(title_en="Mine", title_fi="Oma", cluster=cluster)
    theirs = factories.event(title_en="Theirs", title_fi="Heidän", cluster=elsewhere)
    edit(mine, title_fi="Oma tapahtuma")
    edit(theirs, title_fi="Heidän tapahtumansa")
    client.force_login(factories.coordinator(cluster))
    client.post(
        reverse("admin:events_event_changelist"),
        {"action": "mark_translations_checked", ACTION_CHECKBOX_NAME: [mine.pk, theirs.pk]},
    )
    assert flags(mine) == set()
    assert flags(theirs) == {("title", "en", "fi")}


# --- Dashboard -------------------------------------------------------------------------------


def test_dashboard_counts_flagged_texts_per_language(admin_client, rf, event):
    edit(event, programme_fi="09:30 Tervetuloa", title_fi="Seminaari hitsauksesta")
    assert coverage.outdated_counts(Event.objects.all()) == {
        "en": 2,
        "sv": 0,
        "fi": 0,
        "pl": 0,
        "lt": 1,
    }
    request = rf.get("/")
    request.user = factories.user(is_staff=True, is_superuser=True)
    rows = {
        row["label"]: {code: count for code, count, _url in row["cells"]}
        for row in outdated_translations(request)
    }
    assert rows["events"]["en"] == 2
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Translations that may be outdated" in page
    assert "outdated_translation=en" in page


# --- Public pages ----------------------------------------------------------------------------


def notes(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [note.get_text(strip=True) for note in soup.select(".translation-note")]


def test_event_page_shows_the_note_in_the_page_language(client, event):
    edit(event, programme_fi="09:30 Tervetuloa\n11:00 Yritysvierailut")
    flag = TranslationFlag.objects.get(field="programme", language="en")
    TranslationFlag.objects.filter(pk=flag.pk).update(
        flagged_at=datetime.datetime(2026, 3, 3, 12, tzinfo=datetime.UTC)
    )
    assert notes(client.get(factories.url_in("en", "events:detail", slug=event.slug))) == [
        "This translation may be outdated: the Finnish text was changed on March 3, 2026."
    ]
    with translation.override("lt"):
        expected = str(
            translation.gettext(
                "This translation may be outdated: the Finnish text was changed on %(date)s."
            )
        )
    lithuanian = notes(client.get(factories.url_in("lt", "events:detail", slug=event.slug)))
    assert len(lithuanian) == 1 and lithuanian[0].startswith(expected.split("%(date)s")[0])
    assert "2026" in lithuanian[0]
    # The Finnish page shows the new text: no note.
    assert notes(client.get(factories.url_in("fi", "events:detail", slug=event.slug))) == []


def test_a_fallback_text_from_a_flagged_language_carries_the_note(client, event):
    edit(event, programme_fi="09:30 Tervetuloa")
    # Polish has no programme: the Polish page shows the English one (flagged).
    page = client.get(factories.url_in("pl", "events:detail", slug=event.slug))
    assert len(notes(page)) == 1


def test_no_note_without_a_flag(client, event):
    assert notes(client.get(event.get_absolute_url())) == []


def test_the_flags_cost_one_query_however_many_fields(client, event, django_assert_max_num_queries):
    edit(event, description_en="About.", description_fi="Tietoa.")
    url = event.get_absolute_url()
    with CaptureQueriesContext(connection) as unflagged:
        client.get(url)
    edit(event, programme_fi="09:30 Tervetuloa", description_fi="Tietoa tapahtumasta.")
    with django_assert_max_num_queries(len(unflagged.captured_queries)):
        assert len(notes(client.get(url))) == 2


@pytest.mark.parametrize("kind", ["project", "company", "news", "cluster"])
def test_other_detail_pages_show_the_note(client, kind):
    field = {"news": "body"}.get(kind, "description")
    make = {"news": factories.news}.get(kind, getattr(factories, kind))
    obj = make(**{f"{field}_en": "Old text.", f"{field}_sv": "Gammal text."})
    if kind == "news":
        obj.published_at = timezone.now() - datetime.timedelta(days=1)
        obj.save()
    edit(obj, **{f"{field}_sv": "Ny text."})
    response = client.get(obj.get_absolute_url())
    assert response.status_code == 200
    assert notes(response) == [
        "This translation may be outdated: the Swedish text was changed on "
        f"{date_format(timezone.localdate(), 'DATE_FORMAT')}."
    ]
