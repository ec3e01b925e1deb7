"""The directory's in-process facet index (companies/facet_index.py): its counts, totals and pages
equal the SQL path's (CompanyFilter's querysets) for random filter combinations; it follows
changes through signals, the shared version and the date; its pages come out in the right order;
its query counts are bounded."""

import datetime
import random
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from companies import facet_index
from companies.directory import Vocabulary, count_facets, results
from companies.filters import FACET_NAMES, CompanyFilter
from companies.models import Company, Membership

from . import factories

pytestmark = pytest.mark.django_db

URL = "/en/companies/"


def names(response):
    return [company.name for company in response.context["companies"]]


def sql_names(params, order=("name", "pk")):
    data = QueryDict(urlencode(params, doseq=True))
    return list(results(data).order_by(*order).values_list("name", flat=True))


@pytest.fixture
def data():
    """40 companies (and some unpublished) with random classification, validity and membership."""
    rng = random.Random(7)
    today = timezone.localdate()
    regions = [factories.region(country=c) for c in ("FI", "FI", "SE", "PL")]
    towns = [factories.municipality(region=regions[n % 4]) for n in range(7)]
    root = factories.capability(name_en="Machining")
    child = factories.capability(name_en="Turning", parent=root)
    grandchild = factories.capability(name_en="CNC turning", parent=child)
    other = factories.capability(name_en="Welding")
    capabilities = [root, child, grandchild, other]
    materials = [factories.material(name_en=f"Material {n}") for n in range(4)]
    sectors = [factories.sector(nace_code=f"2{n}") for n in range(3)]
    certifications = [factories.certification(code=f"ISO {n}") for n in range(3)]
    languages = [factories.spoken_language(code) for code in ("fi", "sv", "en")]
    clusters = [factories.cluster() for _ in range(2)] + [factories.cluster(is_published=False)]
    companies = []
    for n in range(46):
        company = factories.company(
            name=f"{rng.choice(['Alfa', 'Beta', 'Gamma'])} {rng.choice(['Steel', 'Works'])} {n:02d}",
            municipality=rng.choice(towns),
            size_class=rng.choice(Company.SizeClass.values),
            is_published=n < 40,
        )
        company.capabilities.add(*rng.sample(capabilities, rng.randint(0, 2)))
        company.materials.add(*rng.sample(materials, rng.randint(0, 2)))
        company.sectors.add(*rng.sample(sectors, rng.randint(0, 2)))
        company.languages.add(*rng.sample(languages, rng.randint(0, 2)))
        for certification in rng.sample(certifications, rng.randint(0, 2)):
            expired = rng.random() < 0.3
            factories.certificate(
                company,
                certification,
                valid_until=today - datetime.timedelta(days=1) if expired else None,
            )
        for cluster in rng.sample(clusters, rng.randint(0, 2)):
            Membership.objects.create(
                company=company, cluster=cluster, is_active=rng.random() < 0.8
            )
        if rng.random() < 0.3:
            factories.offer(
                company=company, status=rng.choice(["published", "published", "pending"])
            )
        companies.append(company)
    return {
        "rng": rng,
        "companies": companies,
        "capabilities": capabilities,
        "root": root,
        "child": child,
        "grandchild": grandchild,
    }


def random_params(rng, vocabulary):
    params = QueryDict(mutable=True)
    for name in rng.sample(FACET_NAMES, rng.randint(0, 4)):
        values = [value for value, _label in vocabulary.choices(name)]
        if values:
            params.setlist(name, rng.sample(values, rng.randint(1, min(2, len(values)))))
    if rng.random() < 0.3:
        params["q"] = rng.choice(["steel", "alfa", "works", "machines"])
    return params


def sql_counts(params):
    """Disjunctive counts by the SQL path: each value's count is the number of companies the
    filters keep with that value as the facet's only selection."""
    vocabulary = Vocabulary()
    counts = {}
    for name in FACET_NAMES:
        counts[name] = {}
        for value, _label in vocabulary.choices(name):
            changed = params.copy()
            changed.setlist(name, [value])
            n = results(changed).count()
            if n:
                counts[name][value] = n
    return counts


def test_counts_totals_and_pages_equal_the_sql_path(data):
    rng = data["rng"]
    vocabulary = Vocabulary()
    for _ in range(25):
        params = random_params(rng, vocabulary)
        filterset = CompanyFilter(
            params, queryset=Company.objects.published(), vocabulary=vocabulary
        )
        counts, total = count_facets(filterset)
        assert total == results(params).count(), params
        assert {name: counts.get(name, {}) for name in FACET_NAMES} == sql_counts(params), params
        query = facet_index.get_index().query(
            {name: filterset.selected(name) for name in FACET_NAMES}, filterset.text
        )
        pks = query.page(0, 100, "name")
        expected = list(results(params).order_by("name", "pk").values_list("pk", flat=True))
        assert pks == expected, params


def test_a_parent_capability_counts_its_whole_subtree(client, data):
    root, grandchild = data["root"], data["grandchild"]
    extra = factories.company(name="Only Grandchild Oy")
    extra.capabilities.add(grandchild)
    response = client.get(URL, {"capability": root.pk})
    below = Company.objects.published().filter(capabilities__path__startswith=root.path).distinct()
    assert response.context["total"] == below.count()
    assert "Only Grandchild Oy" in sql_names({"capability": str(root.pk)})
    counts, _total = count_facets(
        CompanyFilter(QueryDict(), queryset=Company.objects.published(), vocabulary=Vocabulary())
    )
    assert counts["capability"][str(root.pk)] == below.count()
    assert counts["capability"][str(grandchild.pk)] == (
        Company.objects.published().filter(capabilities=grandchild).count()
    )


@pytest.fixture
def firms():
    town = factories.municipality()
    firms = [factories.company(name=f"Firm {n:03d}", municipality=town) for n in range(123)]
    now = timezone.now()
    # "Recently updated": a fixed shuffle of update times (ties broken by pk).
    order = list(range(123))
    random.Random(3).shuffle(order)
    for rank, n in enumerate(order):
        Company.objects.filter(pk=firms[n].pk).update(
            updated_at=now - datetime.timedelta(minutes=rank // 2)
        )
    facet_index.invalidate()  # QuerySet.update bypasses the signals
    return firms


@pytest.mark.parametrize("per_page", [20, 50, 100])
@pytest.mark.parametrize("sort", ["name", "updated"])
def test_first_middle_and_last_pages(client, firms, per_page, sort):
    order = ("name", "pk") if sort == "name" else ("-updated_at", "pk")
    expected = sql_names({}, order)
    last = -(-len(expected) // per_page)
    for page in sorted({1, (last + 1) // 2, last}):
        response = client.get(URL, {"per_page": per_page, "sort": sort, "page": page})
        assert response.context["page_obj"].number == page
        assert response.context["page_obj"].paginator.count == 123
        start = (page - 1) * per_page
        assert names(response) == expected[start : start + per_page], (sort, page)


def test_pages_of_a_filtered_result_in_updated_order(client, firms):
    cluster = factories.cluster()
    for firm in firms[::3]:
        Membership.objects.create(company=firm, cluster=cluster)
    expected = sql_names({"cluster": str(cluster.pk)}, ("-updated_at", "pk"))
    seen = []
    for page in (1, 2, 3):
        response = client.get(URL, {"cluster": cluster.pk, "sort": "updated", "page": page})
        seen += names(response)
    assert seen == expected and len(seen) == 41


def test_relevance_puts_names_with_more_terms_first(client):
    town = factories.municipality(name_en="Vaasa")
    plain = factories.company(name="Aaa Works", municipality=town, description_en="steel laser")
    one = factories.company(name="Bbb Laser", municipality=town, description_en="steel")
    both = factories.company(name="Zzz Laser Steel", municipality=town)
    starts = factories.company(name="Laser Yyy", municipality=town, description_en="steel")
    factories.company(name="Unrelated", municipality=town, description_en="wood")
    response = client.get(URL, {"q": "laser steel"})
    assert response.context["sort"] == "relevance"
    # Both terms in the name; then one term with the name starting with the first term; then
    # one term; then none (every result matches both terms somewhere in its document).
    assert names(response) == [both.name, starts.name, one.name, plain.name]
    assert names(client.get(URL, {"q": "laser steel", "sort": "name"})) == sorted(
        [plain.name, one.name, both.name, starts.name]
    )
    # A page boundary inside a tier.
    response = client.get(URL, {"q": "laser steel", "per_page": "20"})
    assert response.context["total"] == 4


def test_relevance_tiers_across_pages(client):
    town = factories.municipality()
    for n in range(30):
        factories.company(name=f"Plain {n:02d}", municipality=town, description_en="laser")
    for n in range(25):
        factories.company(name=f"Laser {n:02d}", municipality=town)
    first = names(client.get(URL, {"q": "laser"}))
    second = names(client.get(URL, {"q": "laser", "page": "2"}))
    third = names(client.get(URL, {"q": "laser", "page": "3"}))
    assert first + second + third == [f"Laser {n:02d}" for n in range(25)] + [
        f"Plain {n:02d}" for n in range(30)
    ]


def test_a_saved_change_is_seen_by_the_next_request(client, data):
    company = data["companies"][0]
    before = client.get(URL, {"size": "large"}).context["total"]
    version = cache.get(facet_index.VERSION_KEY)
    company.size_class = Company.SizeClass.LARGE if company.size_class != "large" else "micro"
    company.save()
    # The shared version changed (inside the test's transaction: other processes see it on
    # commit), and the next request sees the change.
    assert cache.get(facet_index.VERSION_KEY) != version
    after = client.get(URL, {"size": "large"}).context["total"]
    assert after == before + (1 if company.size_class == "large" else -1)
    # An m2m change, a membership, a certificate, an offer, a cluster, a deletion each count.
    for change in (
        lambda: company.capabilities.add(data["grandchild"]),
        lambda: company.languages.clear(),
        lambda: Membership.objects.create(company=company, cluster=factories.cluster()),
        lambda: factories.certificate(company, factories.certification(code="EN 1090")),
        lambda: factories.offer(company=company),
        lambda: data["root"].save(),
        lambda: company.delete(),
    ):
        index = facet_index.get_index()
        change()
        assert facet_index.get_index() is not index


def test_another_process_change_is_seen_through_the_shared_version(client, data):
    company = data["companies"][1]
    before = client.get(URL, {"size": "large"}).context["total"]
    # A write that bypasses signals (another process's, or QuerySet.update) …
    new_size = "micro" if company.size_class == "large" else "large"
    Company.objects.filter(pk=company.pk).update(size_class=new_size)
    assert client.get(URL, {"size": "large"}).context["total"] == before
    # … is seen once the shared version changes (another process bumped it).
    cache.set(facet_index.VERSION_KEY, "from-another-process", timeout=None)
    after = client.get(URL, {"size": "large"}).context["total"]
    assert after == before + (1 if new_size == "large" else -1)


def test_rolled_back_changes_are_not_served(client, data):
    client.get(URL)
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.company(name="Aaaa Rolled Back Oy")
        assert names(client.get(URL))[0] == "Aaaa Rolled Back Oy"
        raise RuntimeError
    assert names(client.get(URL))[0] != "Aaaa Rolled Back Oy"


def test_invalidation_within_one_transaction_is_cheap(data, django_assert_max_num_queries):
    with transaction.atomic():
        facet_index.invalidate()
        with django_assert_max_num_queries(0):
            for _ in range(100):
                facet_index.invalidate()


def test_the_index_is_rebuilt_when_the_date_changes(client, monkeypatch):
    today = timezone.localdate()
    certified = factories.company(name="Certified Oy")
    iso = factories.certification(code="ISO 9001")
    factories.certificate(certified, iso, valid_until=today)
    factories.offer(company=certified, valid_until=today)
    response = client.get(URL, {"certification": iso.pk, "offers": "1"})
    assert names(response) == ["Certified Oy"]
    monkeypatch.setattr(
        "companies.facet_index.timezone.localdate", lambda: today + datetime.timedelta(days=1)
    )
    assert facet_index.get_index().built_on == today + datetime.timedelta(days=1)
    counts = facet_index.get_index().query({}).counts()
    assert counts["certification"] == {} and counts["offers"] == {}


def test_queries_warm_are_few_and_cold_are_bounded(client, data, django_assert_max_num_queries):
    params = {"q": "steel", "capability": data["root"].pk, "per_page": "100", "sort": "updated"}
    facet_index.clear()
    with CaptureQueriesContext(connection) as cold:
        client.get(URL, params)
    assert len(cold) <= 25
    # Warm: the version, the page and its two prefetches (the text match is remembered), and
    # what base.html reads (the footer's pages).
    with django_assert_max_num_queries(6):
        client.get(URL, params)
    facet_index.get_index().forget_text()
    with django_assert_max_num_queries(7):
        client.get(URL, {**params, "per_page": "20"})
    # The cold count does not depend on the number of companies.
    for n in range(30):
        factories.company(name=f"More {n}").capabilities.add(data["grandchild"])
    facet_index.clear()
    with CaptureQueriesContext(connection) as colder:
        client.get(URL, params)
    assert len(colder) == len(cold)


def test_vocabulary_is_made_once_per_language(client, data):
    from django.utils import translation

    index = facet_index.get_index()
    english = index.vocabulary(Vocabulary)
    assert index.vocabulary(Vocabulary) is english
    with translation.override("fi"):
        assert index.vocabulary(Vocabulary) is not english


def test_bitmap_helpers():
    bitmap = facet_index.to_bitmap([0, 3, 8, 9, 20], 21)
    assert bitmap == 0b1_0000_0000_0011_0000_1001
    assert bitmap.bit_count() == 5
    assert facet_index.positions(bitmap, 21) == [0, 3, 8, 9, 20]
    assert facet_index.positions(bitmap, 21, 1, 3) == [3, 8]
    assert facet_index.positions(bitmap, 21, 5, 9) == []
    assert facet_index.positions(0, 21) == []
    assert facet_index.to_mask(bitmap, 21) == bytes(
        1 if i in {0, 3, 8, 9, 20} else 0 for i in range(21)
    )


def test_an_empty_directory(client):
    response = client.get(URL, {"q": "laser", "sort": "updated"})
    assert response.status_code == 200
    assert response.context["total"] == 0 and response.context["page_obj"] is None
    assert facet_index.to_bitmap([], 0) == 0


def test_text_matched_in_memory_equals_the_sql_search(data):
    """With the text not remembered, the in-memory match over the search documents gives the
    counts and totals of the SQL path (``CompanyQuerySet.search``), filters or not."""
    rng = data["rng"]
    vocabulary = Vocabulary()
    checked = 0
    for _ in range(40):
        params = random_params(rng, vocabulary)
        params["q"] = rng.choice(["steel", "alfa", "works", "machines"])
        filterset = CompanyFilter(
            params, queryset=Company.objects.published(), vocabulary=vocabulary
        )
        facet_index.get_index().forget_text()
        counts, total = count_facets(filterset)
        assert total == results(params).count(), params
        assert {name: counts.get(name, {}) for name in FACET_NAMES} == sql_counts(params), params
        checked += 1
    assert checked == 40


@pytest.mark.parametrize(
    "text", ["steel", "STEEL", "stéel", "ste", "steel works", "zz-nothing", "a"]
)
def test_text_bitmap_equals_the_sql_search_per_company(data, text):
    index = facet_index.get_index()
    index.forget_text()
    expected = set(Company.objects.published().search(text).values_list("pk", flat=True))
    bitmap = index.text_bitmap(text)
    found = {index.pks[i] for i in facet_index.positions(bitmap, index.size)}
    assert found == expected
