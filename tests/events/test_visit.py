import pytest
from bs4 import BeautifulSoup
from django.core import mail

from clusters.models import ClusterCoordinator
from events.models import VisitParticipant, VisitRequest
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/en/visit/"


def management(total):
    return {
        "participants-TOTAL_FORMS": str(total),
        "participants-INITIAL_FORMS": "0",
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": "60",
    }


def visit_data(
    cluster_obj,
    participants=(("Anna Example", "Example Municipality", "Mayor", "anna@example.org"),),
    **overrides,
):
    values = {
        "cluster": cluster_obj.pk,
        "main_goal": "learning",
        "purpose": "Learn how the region's companies recycle process water.",
        "focus_areas": ["water", "energy"],
        "focus_explanation": "Our city is building a new treatment plant.",
        "wants_to_meet_companies": "yes",
        "company_types": "Water treatment technology suppliers",
        "special_wishes": "Vegetarian lunches",
        "preferred_dates": "12–14 May 2027",
        "expected_participants": "12",
        "organiser_contact": "",
        "name": "Anna Example",
        "email": "anna@example.org",
        "message": "Looking forward!",
        "consent": "on",
        **management(len(participants)),
    }
    for index, (name, organisation, title, email) in enumerate(participants):
        values[f"participants-{index}-name"] = name
        values[f"participants-{index}-organization_name"] = organisation
        values[f"participants-{index}-title"] = title
        values[f"participants-{index}-email"] = email
    values.update(overrides)
    return values


@pytest.fixture
def cluster(django_user_model):
    cluster = factories.cluster(country="SE", name_en="Cleantech Kvarken")
    user = django_user_model.objects.create_user("coord", "coord@example.org", "pw")
    ClusterCoordinator.objects.create(user=user, cluster=cluster)
    return cluster


def test_form_asks_every_question_of_the_seed_form_and_states_the_costs(client, cluster):
    page = client.get(URL).content.decode()
    soup = BeautifulSoup(page, "html.parser")
    names = {field["name"] for field in soup.select("form [name]")}
    for name in (
        "cluster",
        "main_goal",
        "purpose",
        "focus_areas",
        "focus_explanation",
        "wants_to_meet_companies",
        "company_types",
        "special_wishes",
        "preferred_dates",
        "expected_participants",
        "participants-0-name",
        "organiser_contact",
        "name",
        "email",
        "message",
        "homepage",
        "add_participant",
    ):
        assert name in names, name
    assert "Visitors pay all the costs" in page
    # Accessible: radio and checkbox groups are fieldsets with a legend; required is marked.
    legends = [legend.get_text(" ", strip=True) for legend in soup.select("legend")]
    assert any(text.startswith("1. Choose the main goal") for text in legends)
    assert any(text.startswith("Participant #1") for text in legends)
    assert soup.select_one("label[for=id_purpose] .required-mark")


def test_valid_request_is_stored_confirmed_and_announced(
    client, cluster, django_capture_on_commit_callbacks
):
    participants = (
        ("Anna Example", "Example Municipality", "Mayor", "anna@example.org"),
        ("", "", "", ""),  # an empty row is ignored
        ("Bo Example", "Example Water", "Engineer", ""),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            factories.url_in("sv", "visit:request"), visit_data(cluster, participants)
        )
    assert response.status_code == 302
    assert response["Location"] == factories.url_in("sv", "visit:thanks")
    visit = VisitRequest.objects.get()
    assert visit.status == "new"
    assert visit.focus_areas == ["water", "energy"]
    assert visit.wants_to_meet_companies is True
    assert visit.expected_participants == 12
    assert visit.language == "sv"
    assert [p.name for p in visit.participants.all()] == ["Anna Example", "Bo Example"]
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"anna@example.org", "coord@example.org"}
    confirmation = by_recipient["anna@example.org"]
    assert "Bo Example" in confirmation.body and "12–14 May 2027" in confirmation.body
    notice = by_recipient["coord@example.org"]
    assert notice.reply_to == ["anna@example.org"]
    assert f"/admin/events/visitrequest/{visit.pk}/change/" in notice.body
    thanks = client.get(response["Location"]).content.decode()
    assert "12–14 May 2027" in thanks


@pytest.mark.parametrize(
    "language, focus_line",
    [
        ("sv", "Fokusområden: Vatten och avlopp och Energi och förnybar energi"),
        ("pl", "Obszary zainteresowania: Woda i ścieki i Energetyka i odnawialne źródła energii"),
        ("en", "Focus areas: Water and wastewater and Energy and renewable energy"),
    ],
)
def test_focus_areas_are_joined_as_text_in_the_recipients_language(
    client, cluster, django_capture_on_commit_callbacks, language, focus_line
):
    data = visit_data(cluster, purpose="See water treatment plants", focus_explanation="")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(factories.url_in(language, "visit:request"), data)
    assert response.status_code == 302
    confirmation = next(m for m in mail.outbox if m.to == ["anna@example.org"])
    assert focus_line in confirmation.body.splitlines()
    if language != "en":  # the English text has apostrophes of its own ("cluster's")
        assert "[" not in confirmation.body and "'" not in confirmation.body
    # The coordinator's notice reads the same list in the coordinator's language.
    notice = next(m for m in mail.outbox if m.to == ["coord@example.org"])
    assert "['" not in notice.body


def test_one_focus_area_or_none_reads_naturally(
    client, cluster, django_capture_on_commit_callbacks
):
    for focus_areas, expected in ((["metal"], "Metal and engineering"), ([], "–")):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(URL, visit_data(cluster, focus_areas=focus_areas))
        assert f"Focus areas: {expected}" in mail.outbox[0].body.splitlines()


def test_focus_areas_are_a_checkbox_list_and_rows_can_be_added_by_the_script(client, cluster):
    soup = BeautifulSoup(client.get(URL).content, "html.parser")
    focus = soup.select_one("#id_focus_areas")
    assert "checklist" in focus["class"]
    assert focus.find_parent("fieldset").legend.get_text(strip=True).startswith("3. Focus")
    assert len(focus.select("input[type=checkbox][name=focus_areas]")) == 8
    # formset.js clones the empty form; "__prefix__" becomes the row's index.
    template = soup.select_one("template[data-formset-template=participants]")
    assert template is not None
    names = {field["name"] for field in template.select("[name]")}
    assert names == {
        "participants-__prefix__-name",
        "participants-__prefix__-organization_name",
        "participants-__prefix__-title",
        "participants-__prefix__-email",
    }
    assert "Participant #__number__" in str(template.legend)
    assert soup.select_one("[data-formset-rows=participants] [name=participants-0-name]")
    button = soup.select_one("button[data-formset-add=participants]")
    assert button["name"] == "add_participant" and button["type"] == "submit"
    # Without the script the page comes back at the participants, not at the top.
    assert button["formaction"] == f"{URL}#participants"
    assert soup.select_one("script[src$='portal/js/formset.js']")
    assert soup.select_one("[data-formset-full=participants]").has_attr("hidden")


def test_a_full_participant_list_says_so_next_to_the_list(client, cluster):
    rows = [(f"Person {n}", "", "", "") for n in range(60)]
    response = client.post(URL, visit_data(cluster, rows, add_participant="1"))
    soup = BeautifulSoup(response.content, "html.parser")
    assert not soup.select("button[data-formset-add]")
    full = soup.select_one("[data-formset-full=participants]")
    assert not full.has_attr("hidden")
    assert "60 participants" in full.get_text()
    assert not soup.select("body > .messages")


def test_add_participant_without_javascript_keeps_what_was_typed(client, cluster):
    data = visit_data(cluster, add_participant="1", purpose="Typed <b>purpose</b>")
    response = client.post(URL, data)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("[name=participants-TOTAL_FORMS]")["value"] == "2"
    assert soup.select_one("[name=participants-INITIAL_FORMS]")["value"] == "0"
    assert soup.select_one("[name=participants-0-name]")["value"] == "Anna Example"
    assert soup.select_one("[name=participants-1-name]").has_attr("autofocus")
    assert soup.select_one("textarea[name=purpose]").get_text().strip() == "Typed <b>purpose</b>"
    assert soup.select_one("input[name=focus_areas][value=water]").has_attr("checked")
    assert not soup.select(".errorlist li")
    assert not VisitRequest.objects.exists()
    # Submitting the re-rendered form stores both rows.
    data = visit_data(
        cluster,
        (("Anna Example", "", "", ""), ("Second Person", "", "", "")),
    )
    assert client.post(URL, data).status_code == 302
    assert VisitParticipant.objects.count() == 2


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"cluster": ""}, "cluster"),
        ({"cluster": "abc"}, "cluster"),
        ({"main_goal": "tourism"}, "main_goal"),
        ({"purpose": ""}, "purpose"),
        ({"purpose": "p" * 10_000}, "purpose"),
        ({"focus_areas": ["space"]}, "focus_areas"),
        ({"wants_to_meet_companies": "yes", "company_types": ""}, "company_types"),
        ({"preferred_dates": ""}, "preferred_dates"),
        ({"preferred_dates": "May\r\nBcc: x@example.org"}, "preferred_dates"),
        ({"expected_participants": "-3"}, "expected_participants"),
        ({"expected_participants": "0"}, "expected_participants"),
        ({"expected_participants": "100000"}, "expected_participants"),
        ({"expected_participants": "ten"}, "expected_participants"),
        ({"name": "Anna\nBcc: x@example.org"}, "name"),
        ({"email": "anna"}, "email"),
        ({"message": "\x00"}, "message"),
        ({"consent": ""}, "consent"),
    ],
)
def test_bad_input_gives_clear_errors_and_stores_nothing(client, cluster, overrides, field):
    response = client.post(URL, visit_data(cluster, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "Please correct the errors below" in response.content.decode()
    assert not VisitRequest.objects.exists()
    assert not VisitParticipant.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "participants_override",
    [
        {"participants-0-name": "", "participants-0-email": "x@example.org"},  # e-mail without name
        {"participants-0-email": "not-an-address"},
        # longer than the column's 254 characters: a form error, not a 500 on PostgreSQL
        {"participants-0-email": "a" * 243 + "@example.org"},
        {"participants-0-name": "n" * 500},
        {"participants-TOTAL_FORMS": "1000"},
        {"participants-TOTAL_FORMS": "x"},
        {"participants-0-name": ""},  # nobody listed
    ],
)
def test_bad_participant_rows_are_rejected(client, cluster, participants_override):
    response = client.post(URL, visit_data(cluster, **participants_override))
    assert response.status_code == 400
    assert not VisitRequest.objects.exists()


def test_missing_management_form_is_a_form_error_not_a_crash(client, cluster):
    data = visit_data(cluster)
    for key in list(data):
        if key.startswith("participants-") and key.endswith("FORMS"):
            del data[key]
    assert client.post(URL, data).status_code == 400
    assert client.post(URL, {**data, "add_participant": "1"}).status_code == 200


def test_status_and_internal_notes_for_coordinators(cluster):
    visit = factories.visit_request(cluster=cluster)
    assert visit.status == "new"
    visit.status = VisitRequest.Status.IN_PROGRESS
    visit.internal_notes = "Called the requester."
    visit.save()
    assert set(VisitRequest.Status.values) == {"new", "in_progress", "confirmed", "declined"}
