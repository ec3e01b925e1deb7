import copy
import datetime

import pytest
from django.urls import reverse

from companies import matching
from tests import factories
from tests.shared import shared_data

pytestmark = pytest.mark.django_db


def make_world():
    """A Finnish metal cluster and candidates in other clusters and countries."""
    w = {}
    w["home"] = factories.cluster(country="FI")
    w["abroad"] = factories.cluster(country="PL")
    w["welding"] = factories.capability(name_en="Welding")
    w["tig"] = factories.capability(name_en="TIG welding", parent=w["welding"])
    w["laser"] = factories.capability(name_en="Laser cutting")
    w["painting"] = factories.capability(name_en="Painting")
    w["steel"] = factories.material(name_en="Stainless steel")
    w["aluminium"] = factories.material(name_en="Aluminium")
    w["iso3834"] = factories.certification(code="ISO 3834")
    w["iso9001"] = factories.certification(code="ISO 9001")

    source = factories.company(name="Source Oy", clusters=[w["home"]], country="FI")
    source.capabilities.add(w["laser"], w["tig"])
    source.materials.add(w["steel"])
    factories.certificate(source, w["iso3834"])
    w["source"] = source

    # Same cluster, same country: never suggested, however well it fits.
    mate = factories.company(name="Cluster Mate Oy", clusters=[w["home"]])
    mate.capabilities.add(w["laser"], w["tig"])
    mate.materials.add(w["steel"])

    best = factories.company(
        name="Best Sp. z o.o.",
        clusters=[w["abroad"]],
        municipality=factories.municipality(country="PL"),
    )
    best.capabilities.add(w["laser"])
    best.materials.add(w["steel"])
    factories.certificate(best, w["iso3834"])
    w["best"] = best

    related = factories.company(
        name="Related AB", municipality=factories.municipality(country="SE")
    )
    related.capabilities.add(w["welding"])  # the parent of TIG welding
    w["related"] = related

    expired_cert = factories.company(
        name="Expired Cert UAB", municipality=factories.municipality(country="LT")
    )
    factories.certificate(
        expired_cert,
        w["iso3834"],
        valid_from=datetime.date(2010, 1, 1),
        valid_until=datetime.date(2015, 1, 1),
    )
    w["expired_cert"] = expired_cert

    unrelated = factories.company(
        name="Painter AB", municipality=factories.municipality(country="SE")
    )
    unrelated.capabilities.add(w["painting"])
    unrelated.materials.add(w["aluminium"])

    hidden = factories.company(
        name="Hidden Oy", is_published=False, municipality=factories.municipality(country="SE")
    )
    hidden.capabilities.add(w["laser"])

    # Same country but another cluster: a fit.
    other_cluster = factories.cluster(country="FI")
    neighbour = factories.company(name="Neighbour Oy", clusters=[other_cluster])
    neighbour.materials.add(w["steel"])
    w["neighbour"] = neighbour
    return w


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Built once per module (and xdist worker), in a transaction rolled back at its end
    (tests/shared.py); every test here runs with it, and what a test writes is rolled back after
    it."""
    with shared_data(django_db_blocker, make_world) as w:
        yield w


@pytest.fixture
def world(shared_world):
    return copy.deepcopy(shared_world)


def test_company_partners_are_ranked_with_reasons(world):
    matches = matching.find_partners(matching.criteria_for_company(world["source"]))
    names = [match.company.name for match in matches]
    assert names == ["Best Sp. z o.o.", "Neighbour Oy", "Related AB"]
    best = matches[0]
    assert best.score == 3 + 2 + 2
    assert best.reason == "shares: Laser cutting, Stainless steel; holds ISO 3834"
    assert matches[1].reason == "shares: Stainless steel"
    assert matches[2].reason == "related: Welding"
    assert matches[2].score == 1


def test_partners_exclude_self_cluster_mates_hidden_and_expired(world):
    names = {
        m.company.name
        for m in matching.find_partners(matching.criteria_for_company(world["source"]))
    }
    assert not names & {
        "Source Oy",
        "Cluster Mate Oy",
        "Hidden Oy",
        "Expired Cert UAB",
        "Painter AB",
    }


def test_a_child_capability_is_related_to_its_parent(world):
    asker = factories.company(name="Asker AB", municipality=factories.municipality(country="SE"))
    asker.capabilities.add(world["welding"])
    matches = matching.find_partners(matching.criteria_for_company(asker))
    reasons = {m.company.name: m.reason for m in matches}
    assert reasons["Source Oy"] == "related: TIG welding"


def test_offer_partners_use_the_offers_classification(world, client):
    offer = factories.offer(company=world["source"])
    offer.capabilities.add(world["painting"])
    matches = matching.find_partners(matching.criteria_for_offer(offer))
    # The offer's own capability first; the offering company's certificates also count.
    assert [(m.company.name, m.reason) for m in matches] == [
        ("Painter AB", "shares: Painting"),
        ("Best Sp. z o.o.", "holds ISO 3834"),
    ]
    page = client.get(reverse("offers:partners", kwargs={"slug": offer.slug})).content.decode()
    assert "Painter AB" in page and "shares: Painting" in page


def test_visitor_offer_without_classification_finds_nobody(world):
    offer = factories.offer(company=None, submitter_company="Visitor Co", cluster=world["home"])
    assert matching.find_partners(matching.criteria_for_offer(offer)) == []


def test_limit_and_constant_query_count(world, client, django_assert_max_num_queries):
    for number in range(30):
        candidate = factories.company(
            name=f"Candidate {number:02d}", municipality=factories.municipality(country="SE")
        )
        candidate.capabilities.add(world["laser"])
        factories.certificate(candidate, world["iso3834"])
    url = reverse("companies:partners", kwargs={"slug": world["source"].slug})
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["matches"]) == 20
    assert response.context["matches"][0].company.name == "Best Sp. z o.o."


def test_partner_pages_404_for_unknown_or_hidden(client, world):
    hidden = factories.company(is_published=False)
    assert (
        client.get(reverse("companies:partners", kwargs={"slug": hidden.slug})).status_code == 404
    )
    assert client.get("/en/offers/no-such-offer/partners/").status_code == 404


def test_many_candidates_are_narrowed_by_the_engine_to_the_best(world, monkeypatch):
    # With room for two candidates only, the engine keeps the two best by its bitmap count of the
    # weights, and the exact ranking of those two is unchanged.
    monkeypatch.setattr(matching, "CANDIDATE_LIMIT", 2)
    criteria = matching.criteria_for_company(world["source"])
    related = matching.related_capability_ids(criteria.capability_ids)
    kept = matching.candidate_ids(criteria, related)
    assert set(kept) == {world["best"].pk, world["neighbour"].pk}
    names = [match.company.name for match in matching.find_partners(criteria)]
    assert names == ["Best Sp. z o.o.", "Neighbour Oy"]
