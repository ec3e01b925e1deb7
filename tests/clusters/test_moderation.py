"""Moderation: approve and reject with a reason, from the change list and the change form; the
submitter is told in their own language; profile changes of clusters that review them."""

import pytest
from django.core import mail
from django.urls import reverse

from board.models import CooperationOffer, JobPosting
from clusters.models import ModerationDecision, ModerationStatus
from clusters.moderation import ModerationError, approve, reject
from events.models import VisitRequest
from representatives.models import CompanyChangeRequest
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def cluster():
    return factories.cluster()


@pytest.fixture
def coordinator(cluster):
    return factories.coordinator(cluster)


def pending_offer(cluster, language="fi"):
    return factories.offer(
        company=None,
        cluster=cluster,
        status=ModerationStatus.PENDING,
        submitter_company="Visitor Oy",
        submitter_name="Aino",
        submitter_email="aino@example.org",
        submitter_language=language,
    )


def test_approving_an_offer_publishes_it_and_tells_the_submitter_in_finnish(cluster, coordinator):
    offer = pending_offer(cluster, "fi")
    approve(offer, by=coordinator)
    offer.refresh_from_db()
    assert offer.status == ModerationStatus.PUBLISHED
    message = mail.outbox[-1]
    assert message.to == ["aino@example.org"]
    assert offer.title in message.subject
    # Finnish interface strings (compiled catalogues); the link is the Finnish one.
    assert "/fi/" in message.body
    decision = ModerationDecision.objects.get()
    assert (decision.decision, decision.decided_by, decision.notified) == (
        "approved",
        coordinator,
        True,
    )


@pytest.mark.parametrize("language", ["en", "sv", "pl"])
def test_rejecting_a_job_stores_and_sends_the_reason_in_the_posters_language(
    cluster, coordinator, language
):
    company = factories.company(clusters=[cluster])
    job = factories.job(
        company=company,
        status=ModerationStatus.PENDING,
        poster_language=language,
        contact_email="hr@example.org",
    )
    reject(job, by=coordinator, reason="The salary is missing.")
    job.refresh_from_db()
    assert (job.status, job.rejection_reason) == (
        ModerationStatus.REJECTED,
        "The salary is missing.",
    )
    message = mail.outbox[-1]
    assert message.to == ["hr@example.org"]
    assert "The salary is missing." in message.body
    if language == "en":
        assert "could not accept it" in message.body


def test_a_decided_item_cannot_be_decided_again(cluster, coordinator):
    offer = pending_offer(cluster)
    approve(offer, by=coordinator)
    with pytest.raises(ModerationError):
        reject(offer, by=coordinator, reason="Too late")


def test_rejection_needs_a_reason(cluster, coordinator):
    with pytest.raises(ModerationError):
        reject(pending_offer(cluster), by=coordinator, reason="   ")


def test_visit_request_is_confirmed_or_declined(cluster, coordinator):
    visit = factories.visit_request(cluster=cluster, language="lt", email="delegation@example.org")
    reject(visit, by=coordinator, reason="No hosts free in May.")
    visit.refresh_from_db()
    assert visit.status == "declined"
    assert mail.outbox[-1].to == ["delegation@example.org"]
    assert "No hosts free in May." in mail.outbox[-1].body


def test_bulk_approve_from_the_change_list_is_scoped(client, cluster, coordinator):
    mine = pending_offer(cluster)
    theirs = pending_offer(factories.cluster())
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:companies_cooperationoffer_changelist"),
        {"action": "approve_selected", "_selected_action": [mine.pk, theirs.pk]},
    )
    assert response.status_code == 302
    assert CooperationOffer.objects.get(pk=mine.pk).status == ModerationStatus.PUBLISHED
    assert CooperationOffer.objects.get(pk=theirs.pk).status == ModerationStatus.PENDING


def test_bulk_reject_asks_for_the_reason_on_an_intermediate_page(client, cluster, coordinator):
    offers = [pending_offer(cluster), pending_offer(cluster, "sv")]
    client.force_login(coordinator)
    url = reverse("admin:companies_cooperationoffer_changelist")
    selected = [offer.pk for offer in offers]
    page = client.post(url, {"action": "reject_selected", "_selected_action": selected})
    assert page.status_code == 200
    assert "reason" in page.context["form"].fields
    assert CooperationOffer.objects.filter(status=ModerationStatus.PENDING).count() == 2
    # Without a reason: the page again, nothing rejected.
    again = client.post(
        url, {"action": "reject_selected", "_selected_action": selected, "apply": "1", "reason": ""}
    )
    assert again.status_code == 200
    assert CooperationOffer.objects.filter(status=ModerationStatus.PENDING).count() == 2
    done = client.post(
        url,
        {
            "action": "reject_selected",
            "_selected_action": selected,
            "apply": "1",
            "reason": "Duplicate offer.",
        },
    )
    assert done.status_code == 302
    assert set(CooperationOffer.objects.values_list("status", "rejection_reason")) == {
        (ModerationStatus.REJECTED, "Duplicate offer.")
    }
    assert len(mail.outbox) == 2


def test_change_form_buttons_approve_and_reject(client, cluster, coordinator):
    offer = pending_offer(cluster)
    job = factories.job(
        company=factories.company(clusters=[cluster]), status=ModerationStatus.PENDING
    )
    client.force_login(coordinator)
    change = client.get(reverse("admin:companies_cooperationoffer_change", args=[offer.pk]))
    assert (
        reverse("admin:companies_cooperationoffer_approve", args=[offer.pk])
        in change.content.decode()
    )
    assert (
        client.post(
            reverse("admin:companies_cooperationoffer_approve", args=[offer.pk])
        ).status_code
        == 302
    )
    assert CooperationOffer.objects.get(pk=offer.pk).status == ModerationStatus.PUBLISHED

    reject_url = reverse("admin:companies_jobposting_reject", args=[job.pk])
    assert client.get(reject_url).status_code == 200
    assert client.post(reject_url, {"reason": ""}).status_code == 200
    assert client.post(reject_url, {"reason": "Not a job."}).status_code == 302
    assert JobPosting.objects.get(pk=job.pk).status == ModerationStatus.REJECTED


def test_another_clusters_item_cannot_be_moderated_by_url(client, coordinator):
    theirs = pending_offer(factories.cluster())
    client.force_login(coordinator)
    assert (
        client.post(
            reverse("admin:companies_cooperationoffer_approve", args=[theirs.pk])
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("admin:companies_cooperationoffer_reject", args=[theirs.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    assert CooperationOffer.objects.get(pk=theirs.pk).status == ModerationStatus.PENDING


def test_visit_request_change_list_has_the_moderation_actions(client, cluster, coordinator):
    visit = factories.visit_request(cluster=cluster)
    client.force_login(coordinator)
    client.post(
        reverse("admin:events_visitrequest_changelist"),
        {"action": "approve_selected", "_selected_action": [visit.pk]},
    )
    assert VisitRequest.objects.get(pk=visit.pk).status == "confirmed"


def profile_data(company, **changes):
    data = {
        "description_en": company.description_en or "",
        "municipality": company.municipality_id,
        "size_class": company.size_class,
        "postal_code": company.postal_code,
    }
    data.update(changes)
    return data


def test_representative_changes_wait_for_review_when_the_cluster_wants_it(
    client, cluster, coordinator
):
    cluster.review_profile_changes = True
    cluster.save()
    company = factories.company(clusters=[cluster], postal_code="65100", business_id="0737546-2")
    representative = factories.representative(company, language="sv", email="rep@example.org")
    client.force_login(representative)
    response = client.post(
        reverse("my_company:edit", kwargs={"slug": company.slug}),
        profile_data(company, postal_code="65200"),
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.postal_code == "65100"  # not yet
    change = CompanyChangeRequest.objects.get()
    assert change.status == ModerationStatus.PENDING

    client.force_login(coordinator)
    page = client.get(reverse("admin:companies_companychangerequest_change", args=[change.pk]))
    assert "65100 → 65200" in page.content.decode()
    approve(change, by=coordinator)
    company.refresh_from_db()
    assert company.postal_code == "65200"
    assert company.confirmed_at is not None
    assert mail.outbox[-1].to == ["rep@example.org"]


def test_a_rejected_profile_change_is_not_applied(cluster, coordinator):
    cluster.review_profile_changes = True
    cluster.save()
    company = factories.company(clusters=[cluster], postal_code="65100", business_id="0737546-2")
    rep = factories.representative(company, email="rep@example.org")
    change = CompanyChangeRequest.objects.create(
        company=company,
        data={
            "postal_code": ["99999"],
            "municipality": [str(company.municipality_id)],
            "size_class": ["small"],
        },
        submitted_by=rep,
    )
    reject(change, by=coordinator, reason="Wrong postal code.")
    company.refresh_from_db()
    assert company.postal_code == "65100"
    assert "Wrong postal code." in mail.outbox[-1].body


def test_without_review_the_profile_is_saved_at_once(client, cluster):
    company = factories.company(clusters=[cluster], postal_code="65100", business_id="0737546-2")
    client.force_login(factories.representative(company))
    response = client.post(
        reverse("my_company:edit", kwargs={"slug": company.slug}),
        profile_data(company, postal_code="65300"),
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.postal_code == "65300"
    assert not CompanyChangeRequest.objects.exists()


def test_a_profile_with_an_invalid_business_id_gets_a_form_error_not_a_crash(client, cluster):
    company = factories.company(clusters=[cluster], business_id="not-valid")
    client.force_login(factories.representative(company))
    response = client.post(
        reverse("my_company:edit", kwargs={"slug": company.slug}), profile_data(company)
    )
    assert response.status_code == 200
    assert "ask your cluster coordinator" in response.content.decode()
