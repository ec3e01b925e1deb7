"""The directory's tables (companies/indexing.py) under edits: edits seen on the next request,
validity that moves at midnight, what an edit writes, a worker catching up with a delta, full
rebuilds equal to the incremental path. On SQLite and on PostgreSQL alike.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pyroaring import BitMap

from board.models import CooperationOffer
from companies import engine, entries, indexing
from companies.models import (
    Company,
    CompanyCertificate,
    DirectoryBitmap,
    DirectoryState,
    Membership,
)
from tests import factories
from tests.companies.engine_world import (
    DAY,
    URL,
    ask,
    build_world,
    everything,
    is_slice,
    name_order,
    page_counts,
    page_names,
    published,
    stored_bitmaps,
    stored_entries,
    stored_words,
    updated_order,
)

pytestmark = pytest.mark.django_db

world = pytest.fixture(build_world)


# --- 5. Edits show on the next request -----------------------------------------------------------


def test_edits_show_on_the_next_request(client, world):
    w = world
    # A rename: the new name is found, the old one no more.
    w["a"].name = "Botnia Works Oy"
    w["a"].save()
    assert page_names(client.get(URL, {"q": "botnia"})) == ["Botnia Works Oy"]
    assert page_names(client.get(URL, {"q": "konepaja"})) == []
    assert page_names(client.get(URL))[0] == "Botnia Works Oy"

    # Memberships: added, deactivated, deleted.
    east = str(w["east"].pk)
    membership = Membership.objects.create(company=w["c"], cluster=w["east"])
    assert page_counts(client.get(URL), "cluster")[east] == 2
    membership.is_active = False
    membership.save()
    assert page_counts(client.get(URL), "cluster")[east] == 1
    Membership.objects.filter(company=w["b"]).delete()
    assert east not in page_counts(client.get(URL), "cluster")

    # Offers: one published by the moderator opens, one withdrawn closes, one cut short closes.
    pending = CooperationOffer.objects.get(company=w["c"], status="pending")
    pending.status = "published"
    pending.save()
    assert page_names(client.get(URL, {"offers": "1"})) == [
        "Botnia Works Oy", "Kokkola Steel Ab", "Laser Nord Ab",
    ]  # fmt: skip
    offer = CooperationOffer.objects.get(company=w["a"])
    offer.status = "withdrawn"
    offer.save()
    pending.valid_until = timezone.localdate() - DAY
    pending.save()
    assert page_names(client.get(URL, {"offers": "1"})) == ["Laser Nord Ab"]

    # Unpublished and published.
    w["d"].is_published = False
    w["d"].save()
    w["hidden"].is_published = True
    w["hidden"].save()
    response = client.get(URL)
    assert page_names(response) == [
        "Botnia Works Oy", "Hidden Welding Oy", "Kokkola Steel Ab", "Podlaska Spawalnia Sp. z o.o.",
    ]  # fmt: skip
    assert page_counts(response, "offers") == {"1": 1}  # the hidden company's offer
    assert page_counts(response, "size") == {"micro": 1, "small": 2, "medium": 1}

    # Deleted.
    w["b"].delete()
    response = client.get(URL)
    assert response.context["total"] == 3
    assert page_counts(response, "country") == {"FI": 3}
    assert page_names(client.get(URL, {"q": "spawalnia"})) == []


@pytest.fixture
def clock(monkeypatch):
    """``set(day)``: timezone.localdate() answers ``day`` (the engine, the indexing, the pages)."""
    real = timezone.localdate

    def set_day(day):
        def localdate(value=None, timezone=None):
            return day if value is None else real(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)

    return set_day


def test_validity_moves_at_midnight(client, world, clock):
    w = world
    today = timezone.localdate()
    iso9001, iso3834, iso14001 = (str(w[k].pk) for k in ("iso9001", "iso3834", "iso14001"))
    response = client.get(URL)
    assert page_counts(response, "certification") == {iso9001: 2, iso3834: 1}
    assert page_counts(response, "offers") == {"1": 2}  # a and d (its last day)

    clock(today + DAY)
    # d's certificate and offer ended, b's certificate and c's offer began: three companies.
    assert indexing.advance_day() == 3
    assert indexing.advance_day() == 0  # nothing more is due today
    response = client.get(URL)
    assert page_counts(response, "certification") == {iso9001: 2, iso14001: 1}
    assert page_names(client.get(URL, {"offers": "1"})) == [
        "Kokkola Steel Ab",
        "Vaasan Konepaja Oy",
    ]

    # Without calling advance_day: the first request of the day moves the date.
    clock(today + 301 * DAY)  # a's ISO 9001 ended yesterday
    response = client.get(URL)
    assert DirectoryState.objects.get().valid_on == today + 301 * DAY
    assert page_counts(response, "certification") == {iso9001: 1, iso14001: 1}
    assert page_counts(response, "offers") == {}

    # A clock set back moves them back.
    clock(today)
    response = client.get(URL)
    assert page_counts(response, "certification") == {iso9001: 2, iso3834: 1}
    assert page_counts(response, "offers") == {"1": 2}


# --- 6. Edits cost what they change --------------------------------------------------------------


def test_an_edit_writes_only_what_it_changes(world, monkeypatch):
    w = world
    monkeypatch.setattr(indexing, "SLICE_SIZE", 2)
    indexing.rebuild_all()
    updated_slices = {
        entries.slice_key(entries.UPDATED_SLICE, i)
        for i in range(len(DirectoryState.objects.get().updated_bounds) + 1)
    }
    assert len(updated_slices) == 2  # a and b in the older slice, c and d in the newer

    # The newest company's description: its entry, no bitmap.
    before, bitmaps, index = stored_entries(), stored_bitmaps(), stored_words()
    seq = DirectoryState.objects.get().seq
    w["d"].description_en = "Now waterjet cutting too."
    w["d"].save()
    after = stored_entries()
    assert {pk for pk in after if after[pk] != before.get(pk)} == {w["d"].pk}
    assert set(after) == set(before)
    assert stored_bitmaps() == bitmaps  # not one row rewritten
    assert DirectoryState.objects.get().seq == seq + 1
    # The word index changes for the words the company gained or lost, and only those.
    gained_or_lost = set(before[w["d"].pk][2].split()) ^ set(after[w["d"].pk][2].split())
    assert {"sheet", "parts", "waterjet", "cutting"} <= gained_or_lost
    now = stored_words()
    assert {word for word in index.keys() | now.keys() if index.get(word) != now.get(word)} == (
        gained_or_lost
    )
    assert now["waterjet"] == BitMap([w["d"].pk]) and "sheet" not in now
    assert now["cutting"] == BitMap([w["a"].pk, w["d"].pk])

    # The oldest company's description: its entry and its move between "recently updated" slices.
    before, bitmaps = stored_entries(), stored_bitmaps()
    w["a"].description_en = "Now waterjet cutting too."
    w["a"].save()
    after, rewritten = stored_entries(), stored_bitmaps()
    assert {pk for pk in after if after[pk] != before.get(pk)} == {w["a"].pk}
    changed = {key for key in rewritten if rewritten[key] != bitmaps.get(key)}
    assert changed <= updated_slices
    newest = entries.slice_key(entries.UPDATED_SLICE, len(updated_slices) - 1)
    assert w["a"].pk in rewritten[newest][1]
    assert set(rewritten) == set(bitmaps)

    # A refresh that changes nothing writes nothing, not even the clock.
    seq = DirectoryState.objects.get().seq
    with CaptureQueriesContext(connection) as queries:
        indexing.refresh([w["b"].pk, w["c"].pk])
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "DELETE"))]
    assert not [
        q
        for q in queries
        if q["sql"].lstrip().upper().startswith("UPDATE") and "directory" in q["sql"]
    ]
    assert DirectoryState.objects.get().seq == seq


def test_a_worker_catches_up_with_a_delta(world):
    w = world
    index = engine.current()
    held = dict(index.bitmaps)
    seq = index.seq
    with CaptureQueriesContext(connection) as queries:
        assert engine.current() is index
    assert len(queries) == 1  # nothing changed: the clock only

    Membership.objects.create(company=w["c"], cluster=w["east"])
    key = entries.facet_key("cluster", w["east"].pk)
    assert DirectoryBitmap.objects.filter(seq__gt=seq).count() == 1
    with CaptureQueriesContext(connection) as queries:
        engine.current()
    assert len(queries) == 2  # the clock, then the rows written since
    assert f"> {seq}" in queries[1]["sql"].replace('"', "")
    assert index.seq == DirectoryState.objects.get().seq
    assert index.bitmaps[key] == BitMap([w["b"].pk, w["c"].pk])
    assert {k for k, bitmap in index.bitmaps.items() if bitmap is not held.get(k)} == {key}
    assert ask({"cluster": [str(w["east"].pk)]}).total == 2


# --- 7. Full rebuilds ----------------------------------------------------------------------------


def row_versions():
    """PostgreSQL: each entry row's physical version (changes on any write)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT company_id, ctid::text FROM companies_directoryentry")
        return dict(cursor.fetchall())


def nonempty_bitmaps(ignore_slices=False):
    return {
        key: bitmap
        for key, (_seq, bitmap) in stored_bitmaps().items()
        if bitmap and not (ignore_slices and is_slice(key))
    }


def test_incremental_edits_equal_a_full_rebuild(world):
    w = world
    today = timezone.localdate()
    # Edits of every kind, each through the signals.
    w["b"].name = "Podlaska Spawalnia S.A."
    w["b"].save()
    Membership.objects.create(company=w["c"], cluster=w["east"])
    Membership.objects.filter(company=w["a"]).update(is_active=False)  # no signal …
    indexing.refresh([w["a"].pk])  # … so refreshed by hand, as bulk writes must
    w["d"].capabilities.add(w["laser"])
    w["c"].capabilities.remove(w["welding"])
    w["metal"].companies.add(w["d"])
    w["machinery"].companies.clear()
    w["aluminium"].companies.remove(w["b"])
    factories.certificate(w["d"], w["iso9001"], valid_until=None)
    renewed = CompanyCertificate.objects.get(company=w["b"], certification=w["iso3834"])
    renewed.valid_until = today + 100 * DAY
    renewed.save()
    pending = CooperationOffer.objects.get(company=w["c"], status="pending")
    pending.status = "published"
    pending.save()
    moved = CooperationOffer.objects.get(company=w["a"])
    moved.company = w["b"]
    moved.save()
    w["hidden"].is_published = True
    w["hidden"].save()
    w["welding"].name_fi = "Hitsaustyöt"
    w["welding"].save()
    w["welding"].parent = w["machining"]
    w["welding"].save()
    w["kokkola"].name_sv = "Gamlakarleby"
    w["kokkola"].save()
    w["ostrobothnia"].name_en = "Ostrobotnia"
    w["ostrobothnia"].save()
    w["steel"].name_fi = "RST-teräs"
    w["steel"].save()
    w["iso9001"].code = "ISO 9001-2015"
    w["iso9001"].save()
    e = factories.company(name="Ängelholm Metall AB", business_id="E-1", municipality=w["vaasa"])
    e.languages.add(w["fi"])
    w["d"].delete()

    # What the edits mean.
    pks = {k: w[k].pk for k in ("a", "b", "c", "hidden")}
    # Welding is below machining now.
    assert set(everything(ask({"capability": [str(w["machining"].pk)]}))) == set(pks.values())
    assert set(everything(ask(text="hitsaustyot gamlakarleby"))) == set()
    assert set(everything(ask(text="hitsaustyot"))) == {pks["b"], pks["hidden"]}
    assert set(everything(ask(text="rst ostrobotnia"))) == {pks["a"]}
    assert set(everything(ask(text="2015"))) == {pks["a"], pks["c"], pks["hidden"]}
    assert set(everything(ask({"offers": ["1"]}))) == {pks["b"], pks["c"], pks["hidden"]}
    assert set(everything(ask({"cluster": [str(w["north"].pk)]}))) == {pks["hidden"]}
    assert ask({"certification": [str(w["iso3834"].pk)]}).total == 1

    before, bitmaps, versions = stored_entries(), nonempty_bitmaps(), row_versions()
    index = stored_words()
    with CaptureQueriesContext(connection) as queries:
        assert indexing.rebuild_all() == 5
    writes = [
        q["sql"]
        for q in queries
        if "companies_directoryentry" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert row_versions() == versions  # not one entry row rewritten (PostgreSQL)
    assert stored_entries() == before
    assert nonempty_bitmaps() == bitmaps
    assert stored_words() == index


def test_rebuild_after_writes_that_bypass_signals(world, monkeypatch):
    w = world
    bitmaps = nonempty_bitmaps(ignore_slices=True)
    Company.objects.filter(pk=w["c"].pk).update(name="Renamed Quietly Ab")  # no signal
    monkeypatch.setattr(indexing, "SLICE_SIZE", 2)
    indexing.rebuild_all()
    assert nonempty_bitmaps(ignore_slices=True) == bitmaps  # the facets did not change
    assert stored_entries()[w["c"].pk][0] == "renamed quietly ab"
    assert everything(ask(sort="name")) == name_order(published())
    # After the rebuild, an edit goes back through the signals and the new slices.
    w["b"].name = "Aaa First"
    w["b"].save()
    assert everything(ask(sort="name")) == name_order(published())
    assert everything(ask(sort="updated")) == updated_order(published())


# --- Found while writing these tests -------------------------------------------------------------


def test_a_certificate_moved_to_another_company(world):
    w = world
    certificate = CompanyCertificate.objects.get(company=w["a"], certification=w["iso9001"])
    certificate.company = w["d"]
    certificate.save()
    assert set(everything(ask({"certification": [str(w["iso9001"].pk)]}))) == {
        w["c"].pk, w["d"].pk,
    }  # fmt: skip


def test_a_membership_moved_to_another_company(world):
    w = world
    membership = Membership.objects.get(company=w["b"], cluster=w["east"])
    membership.company = w["d"]
    membership.save()
    assert set(everything(ask({"cluster": [str(w["east"].pk)]}))) == {w["d"].pk}


def test_a_deleted_material_leaves_the_documents(world):
    w = world
    key = entries.facet_key("material", w["aluminium"].pk)
    assert key in nonempty_bitmaps()
    w["aluminium"].delete()
    assert everything(ask(text="alumiini")) == []
    assert key not in nonempty_bitmaps()


def test_a_long_word_is_found_typed_in_full():
    word = "Rakennuspeltiseppa" * 7  # 126 letters
    company = factories.company(name=f"{word} Oy")
    assert everything(ask(text=word[:60])) == [company.pk]
    assert everything(ask(text=word)) == [company.pk]
