"""The small world the directory-engine tests share, and how they read the engine, the page and
the tables. Companies are built through the signals (the incremental path)."""

import csv
import datetime
import io

from django.utils import timezone
from pyroaring import BitMap

from companies import engine, entries
from companies.models import (
    Company,
    DirectoryBitmap,
    DirectoryEntry,
    DirectoryWord,
    Membership,
)
from companies.text import search_terms, words
from tests import factories

URL = "/en/companies/"
DAY = datetime.timedelta(days=1)
SIZES = ["micro", "small", "medium", "large"]


# --- Reading the engine, the page and the tables ----------------------------------------------


def ask(selected=None, text="", sort="name"):
    """This worker's answer (synced first, as a request is)."""
    return engine.current().query(selected or {}, text, sort)


def everything(query):
    return query.ids(0, query.total + 10)


def page_names(response):
    return [company.name for company in response.context["companies"]]


def page_ids(response):
    return [company.pk for company in response.context["companies"]]


def page_counts(response, name):
    """{value: count} of one facet as the page shows it (zeros left out)."""
    for item in response.context["facets"]:
        if item.name == name:
            return {option.value: option.count for option in item.options if option.count}
    return {}


def read_csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def stored_bitmaps():
    """{key: (seq, BitMap)} of every DirectoryBitmap row."""
    return {
        key: (seq, BitMap.deserialize(bytes(bits)))
        for key, bits, seq in DirectoryBitmap.objects.values_list("key", "bits", "seq")
    }


def stored_words():
    """{word: BitMap} of the inverted index (DirectoryWord)."""
    return {
        word: BitMap.deserialize(bytes(bits))
        for word, bits in DirectoryWord.objects.values_list("word", "bits")
    }


def stored_entries():
    return {
        entry.company_id: (entry.name_key, entry.updated_at, entry.document, entry.keys)
        for entry in DirectoryEntry.objects.all()
    }


def is_slice(key):
    return key // entries.KEY_STRIDE in {entries.NAME_SLICE, entries.UPDATED_SLICE}


# --- The order the directory promises, computed in Python -------------------------------------


def folded(name):
    return " ".join(words(name))


def name_order(companies):
    return [c.pk for c in sorted(companies, key=lambda c: (folded(c.name), c.pk))]


def updated_order(companies):
    by_id = sorted(companies, key=lambda c: c.pk)
    return [c.pk for c in sorted(by_id, key=lambda c: c.updated_at, reverse=True)]


def finds(word, term):
    """A query word finds the words it starts (a short one, whole words only)."""
    return word.startswith(term) if len(term) >= engine.MIN_PREFIX else word == term


def name_has_every_term(company, terms):
    name_words = words(company.name)
    return all(any(finds(word, term) for word in name_words) for term in terms)


def relevance_order(matched, text):
    """Names holding every term (those starting with the first term first), then the rest; each
    group in name order."""
    terms = search_terms(text)
    named = [c for c in matched if name_has_every_term(c, terms)]
    first = [c for c in named if finds(words(c.name)[0], terms[0])]
    second = [c for c in named if c not in first]
    rest = [c for c in matched if c not in named]
    return name_order(first) + name_order(second) + name_order(rest)


# --- A small world, built through the signals (the incremental path) ---------------------------


def build_world():
    """Four published companies and one unpublished, classified in five languages, with
    certificates and offers on either side of their validity."""
    today = timezone.localdate()
    ostrobothnia = factories.region(
        country="FI", name_en="Ostrobothnia", name_fi="Pohjanmaa", name_sv="Österbotten"
    )
    podlaskie = factories.region(
        country="PL", name_en="Podlaskie", name_fi="Podlasia", name_sv="Podlasien",
        name_pl="Podlasie",
    )  # fmt: skip
    vaasa = factories.municipality(
        region=ostrobothnia, name_en="Vaasa", name_fi="Vaasa", name_sv="Vasa"
    )
    kokkola = factories.municipality(
        region=ostrobothnia, name_en="Kokkola", name_fi="Kokkola", name_sv="Karleby"
    )
    bialystok = factories.municipality(
        region=podlaskie, name_en="Białystok", name_fi="Białystok", name_sv="Białystok",
        name_pl="Białystok",
    )  # fmt: skip
    machining = factories.capability(
        name_en="Machining", name_fi="Koneistus", name_sv="Bearbetning", name_pl="Obróbka",
        name_lt="Apdirbimas",
    )  # fmt: skip
    laser = factories.capability(
        parent=machining, name_en="Laser cutting", name_fi="Laserleikkaus",
        name_sv="Laserskärning", name_pl="Cięcie laserowe", name_lt="Pjovimas lazeriu",
    )  # fmt: skip
    welding = factories.capability(
        name_en="Welding", name_fi="Hitsaus", name_sv="Svetsning", name_pl="Spawanie",
        name_lt="Suvirinimas",
    )  # fmt: skip
    steel = factories.material(
        name_en="Stainless steel", name_fi="Ruostumaton teräs", name_sv="Rostfritt stål",
        name_pl="Stal nierdzewna",
    )  # fmt: skip
    aluminium = factories.material(name_en="Aluminium", name_fi="Alumiini")
    iso9001 = factories.certification(code="ISO 9001", name_en="Quality management")
    iso3834 = factories.certification(code="ISO 3834", name_en="Welding quality")
    iso14001 = factories.certification(code="ISO 14001", name_en="Environmental management")
    metal = factories.sector(nace_code="25", name_en="Metal products", name_fi="Metallituotteet")
    machinery = factories.sector(nace_code="28", name_en="Machinery", name_fi="Koneet")
    fi, sv, pl = (factories.spoken_language(code) for code in ("fi", "sv", "pl"))
    north = factories.cluster(name_en="North Metal")
    east = factories.cluster(name_en="East Metal")

    a = factories.company(
        name="Vaasan Konepaja Oy", business_id="0737546-2", municipality=vaasa,
        size_class="small", description_en="Machine parts for shipyards.",
        description_sv="Tillverkar maskindelar åt varvsindustrin.", clusters=[north],
    )  # fmt: skip
    a.capabilities.add(laser)
    a.materials.add(steel)
    a.sectors.add(machinery)
    a.languages.add(fi, sv)
    factories.certificate(a, iso9001, valid_until=today + 300 * DAY)
    factories.offer(company=a)

    b = factories.company(
        name="Podlaska Spawalnia Sp. z o.o.", business_id="526-000-12-46", municipality=bialystok,
        size_class="medium", description_en="Welded frames.", clusters=[east],
    )  # fmt: skip
    b.capabilities.add(welding)
    b.materials.add(steel, aluminium)
    b.sectors.add(metal)
    b.languages.add(pl)
    factories.certificate(b, iso3834, valid_from=today - 900 * DAY, valid_until=today - DAY)
    factories.certificate(b, iso14001, valid_from=today + DAY)

    c = factories.company(
        name="Kokkola Steel Ab", business_id="2336509-6", municipality=kokkola,
        size_class="micro", description_en="Steel structures.",
    )  # fmt: skip
    Membership.objects.create(company=c, cluster=north, is_active=False)
    c.capabilities.add(machining, welding)
    c.sectors.add(metal)
    c.languages.add(sv)
    factories.certificate(c, iso9001, valid_until=None)
    factories.offer(company=c, status="pending")
    factories.offer(company=c, valid_from=today - 30 * DAY, valid_until=today - DAY)
    factories.offer(company=c, valid_from=today + DAY, valid_until=today + 30 * DAY)

    d = factories.company(
        name="Laser Nord Ab", business_id="1572860-0", municipality=kokkola, size_class="large",
        description_en="Sheet metal parts.", description_fi="Ohutlevyosat ja särmäys.",
    )  # fmt: skip
    d.sectors.add(machinery)
    factories.certificate(d, iso3834, valid_until=today)  # its last day
    factories.offer(company=d, valid_until=today)  # its last day

    hidden = factories.company(
        name="Hidden Welding Oy", business_id="H-1", municipality=vaasa, is_published=False,
        description_en="Welding.", clusters=[north],
    )  # fmt: skip
    hidden.capabilities.add(welding)
    factories.certificate(hidden, iso9001)
    factories.offer(company=hidden)

    return {
        "a": a, "b": b, "c": c, "d": d, "hidden": hidden,
        "ostrobothnia": ostrobothnia, "podlaskie": podlaskie,
        "vaasa": vaasa, "kokkola": kokkola, "bialystok": bialystok,
        "machining": machining, "laser": laser, "welding": welding,
        "steel": steel, "aluminium": aluminium,
        "iso9001": iso9001, "iso3834": iso3834, "iso14001": iso14001,
        "metal": metal, "machinery": machinery, "fi": fi, "sv": sv, "pl": pl,
        "north": north, "east": east,
    }  # fmt: skip


def facts(w):
    """{facet: {value: companies}} of the world, by hand: the semantics every backend must give.
    Companies are letters ("ac" is a and c)."""

    def pk(key):
        return str(w[key].pk)

    return {
        # c's membership is inactive and the hidden company is unpublished.
        "cluster": {pk("north"): "a", pk("east"): "b"},
        # A parent includes its children: a has laser cutting, below machining.
        "capability": {pk("machining"): "ac", pk("laser"): "a", pk("welding"): "bc"},
        "material": {pk("steel"): "ab", pk("aluminium"): "b"},
        # b's ISO 3834 ended yesterday and its ISO 14001 starts tomorrow; d's ends today.
        "certification": {pk("iso9001"): "ac", pk("iso3834"): "d", pk("iso14001"): ""},
        "sector": {pk("metal"): "bc", pk("machinery"): "ad"},
        "language": {pk("fi"): "a", pk("sv"): "ac", pk("pl"): "b"},
        "country": {"FI": "acd", "PL": "b"},
        "region": {pk("ostrobothnia"): "acd", pk("podlaskie"): "b"},
        "municipality": {pk("vaasa"): "a", pk("kokkola"): "cd", pk("bialystok"): "b"},
        "size": {"micro": "c", "small": "a", "medium": "b", "large": "d"},
        # c's offers wait for moderation, ended yesterday or start tomorrow; d's ends today.
        "offers": {"1": "ad"},
    }


def ids_of(w, letters):
    return {w[letter].pk for letter in letters}


def expected_answer(w, table, chosen, base="abcd"):
    """(result, {facet: {value: count}}) that the facts give for ``chosen`` ({facet: [values]}):
    OR within a facet, AND across facets, each facet counted without its own selection."""

    def filtered(skip):
        result = ids_of(w, base)
        for facet, values in chosen.items():
            if facet != skip and values:
                result &= set().union(*(ids_of(w, table[facet][value]) for value in values))
        return result

    counts = {}
    for facet, values in table.items():
        over = filtered(facet)
        counts[facet] = {
            value: n for value, letters in values.items() if (n := len(ids_of(w, letters) & over))
        }
    return filtered(None), counts


def published():
    return list(Company.objects.published())
