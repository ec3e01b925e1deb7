"""Never a 500: hostile query strings, hostile form posts and unknown ids on every public URL.

The URLs are enumerated from the URLconf (every pattern outside the admin, in every language
for the language-prefixed ones) and filled with the slugs, ids and tokens of a small dataset
built with tests/factories.py; the sitemap's URLs are fetched too. Hypothesis draws the
query strings and the posts (derandomized, so a run is reproducible, and small so the file stays
well under a minute). A post that is not accepted (anything but a redirect) must leave every
table exactly as it was.
"""

import itertools
import re
import urllib.parse
from dataclasses import dataclass, field

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import LocalePrefixPattern
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests import factories

pytestmark = pytest.mark.django_db

# Views that are not public pages: the development media server.
SKIPPED_CALLBACKS = {"django.views.static.serve"}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" as reverse() takes it
    route: str
    i18n: bool
    converters: tuple[tuple[str, str], ...]  # (kwarg, converter class name)
    default_args: tuple[str, ...] = field(default=())


def _walk(patterns, namespace=None, i18n=False, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            inner = pattern.namespace
            yield from _walk(
                pattern.url_patterns,
                f"{namespace}:{inner}" if namespace and inner else (inner or namespace),
                i18n or isinstance(pattern.pattern, LocalePrefixPattern),
                prefix + str(pattern.pattern),
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            callback = f"{pattern.callback.__module__}.{getattr(pattern.callback, '__name__', '')}"
            if callback in SKIPPED_CALLBACKS:
                continue
            converters = tuple(
                (kwarg, type(converter).__name__)
                for kwarg, converter in pattern.pattern.converters.items()
            )
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield Route(
                name, prefix + str(pattern.pattern), i18n, converters, tuple(pattern.default_args)
            )


ROUTES = sorted(set(_walk(get_resolver().url_patterns)), key=lambda r: r.name)
LANGUAGES = settings.LANGUAGE_CODES
ROUTE_PARAMS = [pytest.param(route, id=route.name) for route in ROUTES]


def languages_of(route):
    return LANGUAGES if route.i18n else [None]


def test_the_urlconf_has_public_routes_to_fuzz():
    names = {route.name for route in ROUTES}
    assert {
        "portal:home",
        "companies:list",
        "companies:detail",
        "events:detail",
        "projects:detail",
    } <= names


# --- The dataset -----------------------------------------------------------------------------


class World:
    """One of everything, with the values that fill URL parameters."""

    def __init__(self):
        municipality = factories.municipality(name_en="Vaasa", name_fi="Vaasa", name_sv="Vasa")
        self.cluster = factories.cluster(name_en="Ostrobothnia Metal", region=municipality.region)
        capability = factories.capability(name_en="Laser cutting")
        certification = factories.certification(code="ISO 3834")
        self.company = factories.company(
            clusters=[self.cluster], municipality=municipality, name="Pohjanmaan Hitsaus Oy"
        )
        self.company.capabilities.add(capability)
        factories.certificate(self.company, certification)
        self.offer = factories.offer(company=self.company)
        self.job = factories.job(company=self.company)
        self.project = factories.project(name_en="Smart Welding", acronym="SMARTWELD")
        self.project.clusters.add(self.cluster)
        self.event = factories.event(cluster=self.cluster, registration_open=True, capacity=50)
        self.registration = factories.registration(self.event)
        self.news = factories.news(cluster=self.cluster)
        self.visit = factories.visit_request(cluster=self.cluster)
        from clusters.models import Page

        self.page = Page.objects.create(
            title_en="Accessibility statement", slug="accessibility", body_en="Text."
        )
        self.objects = [
            self.cluster,
            self.company,
            self.offer,
            self.job,
            self.project,
            self.event,
            self.registration,
            self.news,
            self.visit,
            self.page,
            capability,
            certification,
            municipality,
            municipality.region,
        ]
        self._urls = {}
        self.filled = {}  # (route, language) -> the parameter values in its URL
        self.working = {}  # (route, language) -> whether those values give a page below 400

    def candidates(self, route, kwarg, converter):
        """Values worth trying for one URL parameter, the likeliest first."""
        if kwarg == "section" and "sitemaps" in route.default_args:
            from portal.sitemaps import SITEMAPS

            return list(SITEMAPS)
        values = []
        for obj in self.objects:
            if converter == "UUIDConverter" or "token" in kwarg:
                values += [
                    getattr(obj, f.attname)
                    for f in obj._meta.concrete_fields
                    if f.get_internal_type() == "UUIDField" and getattr(obj, f.attname)
                ]
            elif converter == "IntConverter" or kwarg in {"pk", "id"}:
                values.append(obj.pk)
            elif getattr(obj, "slug", None):
                values.append(obj.slug)
        return list(dict.fromkeys(str(v) for v in values)) or ["x"]

    def url(self, client, route, language):
        """The route filled with real values (one that answers below 400 when there is one)."""
        key = (route, language)
        if key not in self._urls:
            self._urls[key] = self._resolve(client, route, language)
        return self._urls[key]

    def _resolve(self, client, route, language):
        kwargs_names = [kwarg for kwarg, _converter in route.converters]
        choices = [
            self.candidates(route, kwarg, converter) for kwarg, converter in route.converters
        ]
        fallback = None
        with translation.override(language or settings.LANGUAGE_CODE):
            for values in itertools.islice(itertools.product(*choices), 60):
                try:
                    url = reverse(route.name, kwargs=dict(zip(kwargs_names, values, strict=True)))
                except NoReverseMatch:
                    continue
                if fallback is None:
                    fallback = url
                    self.filled[(route, language)] = [str(value) for value in values]
                if not kwargs_names or client.get(url).status_code < 400:
                    self.filled[(route, language)] = [str(value) for value in values]
                    self.working[(route, language)] = True
                    return url
        self.working[(route, language)] = False
        assert fallback, f"cannot fill {route.name} ({route.route}) with the dataset"
        return fallback


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module (per xdist worker) inside a transaction rolled back at the end, so
    every test sees it and no other test module does."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            yield World()
            transaction.set_rollback(True)


# --- Hostile input ---------------------------------------------------------------------------

HOSTILE_VALUES = [
    "",
    "-1",
    "0",
    "abc",
    "1e309",
    "99999999999999999999999",
    "-99999999999999999999",
    "NaN",
    "1.5",
    "x" * 10_000,
    "\x00",
    "a\x00b",
    "ääkkönen ÅÄÖ łęż ąčęėįšųūž",
    "\u202e\ufeff\u200b",
    "🦀" * 50,
    "' OR '1'='1",
    "1; DROP TABLE companies_company; --",
    '"><script>alert(1)</script>',
    "%00",
    "%ff%fe",
    "../../../../etc/passwd",
    "null",
    "true",
    "[]",
    "{}",
    "2026-13-45",
    "9999-12-31T23:59:59",
    "javascript:alert(1)",
    "//evil.example.org/",
    "http://evil.example.org/",
]
COMMON_KEYS = [
    "page",
    "p",
    "q",
    "sort",
    "order",
    "cluster",
    "sector",
    "capability",
    "material",
    "certification",
    "country",
    "region",
    "municipality",
    "size",
    "size_class",
    "language",
    "has_offers",
    "kind",
    "category",
    "status",
    "period",
    "year",
    "next",
    "format",
    "cluster[]",
    "page[0]",
    "q[]",
]
TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]),
    max_size=40,
)
VALUES = st.one_of(st.sampled_from(HOSTILE_VALUES), TEXT, st.integers().map(str))


def quote(value):
    return urllib.parse.quote(value, safe="")


def query_strategy(extra_keys):
    keys = st.one_of(st.sampled_from(sorted(set(COMMON_KEYS) | set(extra_keys))), TEXT)
    pairs = st.lists(st.tuples(keys, VALUES), min_size=1, max_size=6)
    repeated = st.tuples(keys, st.lists(VALUES, min_size=2, max_size=4)).map(
        lambda kv: [(kv[0], value) for value in kv[1]]
    )
    raw = st.sampled_from(
        ["%", "page=%zz", "=&=&&", "page", "q=%E0%A4%A", "a[b][c]=1&a[b]=2", "%00=%00", "q=%ff%fe"]
    )
    encoded = st.one_of(pairs, repeated).map(
        lambda kv: "&".join(f"{quote(k)}={quote(v)}" for k, v in kv)
    )
    return st.one_of(encoded, raw, st.tuples(encoded, raw).map("&".join))


def fuzz(max_examples):
    return hypothesis_settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
        ],
    )


def form_fields(html):
    """Names of the fields of the page's forms: the GET forms' give filter keys, the POST forms'
    (with their actions) are what the post test attacks."""
    soup = BeautifulSoup(html, "html.parser")
    get_keys, post_forms = set(), []
    for form in soup.find_all("form"):
        names = sorted(
            {
                element["name"]
                for element in form.find_all(["input", "select", "textarea", "button"])
                if element.get("name") and element["name"] != "csrfmiddlewaretoken"
            }
        )
        if (form.get("method") or "get").lower() == "post":
            post_forms.append((form.get("action") or "", names))
        else:
            get_keys.update(names)
    return get_keys, post_forms


def page_forms(client, url):
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return set(), []
    get_keys, post_forms = form_fields(response.content.decode(errors="replace"))
    targets = []
    for action, names in post_forms:
        target = urllib.parse.urljoin(url, action) if action else url
        target = target.removeprefix("http://testserver")
        if target.startswith("/") and "/admin/" not in target:
            targets.append((target, names))
    return get_keys, targets


# --- Row counts ------------------------------------------------------------------------------

# Audit trails that a rejected login attempt is meant to write (django-axes records failures).
AUDIT_TABLES = {"axes_accessattempt", "axes_accessfailurelog", "axes_accesslog"}


def row_counts():
    """Every model's row count (audit trails aside), in one query."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and model._meta.db_table not in AUDIT_TABLES
        }
    )
    quoted = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quoted(table)})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def assert_unchanged(before, after, what):
    changed = {
        table: (before[table], after[table]) for table in before if before[table] != after[table]
    }
    assert not changed, f"{what} was rejected but changed rows (before, after): {changed}"


def _answer(client, method, url, **kwargs):
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code < 500, (
        f"{method.upper()} {url[:300]} answered {response.status_code}"
    )
    return response


def post_and_check(client, target, payload):
    """Post; a post that is not accepted (accepted = a redirect) must change no row."""
    before = row_counts()
    response = _answer(client, "post", target, data=payload)
    if not 300 <= response.status_code < 400:
        assert_unchanged(before, row_counts(), f"POST {target} ({response.status_code})")
    return response


# A systematic sweep, once per view in the default language: each of these values in every known
# key at once. Hypothesis then mixes keys, values and languages.
SWEEP = [
    "-1",
    "abc",
    "99999999999999999999999",
    "1e309",
    "x" * 10_000,
    "a\x00b",
    "ääkkönen ÅÄÖ łęż ąčęėįšųūž",
    "🦀" * 50,
    "1; DROP TABLE companies_company; --",
    '"><script>alert(1)</script>',
    "%ff%fe",
    "../../../../etc/passwd",
    "2026-13-45",
    "//evil.example.org/",
    "",
]


# --- The tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTE_PARAMS)
def test_hostile_query_strings_never_answer_500(world, client, route):
    default = settings.LANGUAGE_CODE if route.i18n else None
    url = world.url(client, route, default)
    _answer(client, "get", url)
    extra_keys, _targets = page_forms(client, url)
    keys = sorted(set(COMMON_KEYS) | extra_keys)
    for value in SWEEP:
        _answer(client, "get", f"{url}?" + "&".join(f"{quote(key)}={quote(value)}" for key in keys))

    @fuzz(max_examples=6)
    @given(language=st.sampled_from(languages_of(route)), query=query_strategy(extra_keys))
    def check(language, query):
        _answer(client, "get", f"{world.url(client, route, language)}?{query}")

    check()


@pytest.mark.parametrize("route", ROUTE_PARAMS)
def test_hostile_posts_never_answer_500_and_a_rejected_post_changes_nothing(world, client, route):
    default = settings.LANGUAGE_CODE if route.i18n else None
    url = world.url(client, route, default)
    _extra, targets = page_forms(client, url)
    for target, names in targets:
        for value in SWEEP:
            post_and_check(client, target, dict.fromkeys(names, value))
    field_values = st.one_of(VALUES, st.lists(VALUES, min_size=2, max_size=3))

    @fuzz(max_examples=8 if targets else 4)
    @given(language=st.sampled_from(languages_of(route)), data=st.data())
    def check(language, data):
        # The page itself in that language, or one of its forms (their fields) in that language.
        _keys, language_targets = (
            page_forms(client, world.url(client, route, language)) if targets else ((), [])
        )
        choices = [(world.url(client, route, language), [])] + language_targets
        target, names = data.draw(st.sampled_from(choices))
        keys = (
            st.one_of(st.sampled_from(names), TEXT)
            if names
            else st.one_of(st.sampled_from(COMMON_KEYS), TEXT)
        )
        payload = data.draw(st.dictionaries(keys, field_values, max_size=max(len(names), 4)))
        post_and_check(client, target, payload)

    check()


def test_posts_without_a_csrf_token_are_refused_and_change_nothing(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    for route in ROUTES:
        url = world.url(client, route, settings.LANGUAGE_CODE if route.i18n else None)
        for target in [url] + [target for target, _names in page_forms(client, url)[1]]:
            before = row_counts()
            response = client.post(target, data={"name": "Mallory", "email": "mallory@example.org"})
            assert response.status_code in {403, 404, 405}, (
                f"POST {target} without CSRF: {response.status_code}"
            )
            assert_unchanged(before, row_counts(), f"POST {target} without a CSRF token")


SLUG_ATTACKS = [
    "no-such-thing",
    "x" * 300,
    "..",
    "%00",
    "a%2Fb",
    "%C3%84%C3%96",
    "1%20OR%201=1",
    "-1",
    "0",
]


@pytest.mark.parametrize("route", [param for param in ROUTE_PARAMS if param.values[0].converters])
def test_unknown_ids_answer_404(world, client, route):
    # Object lookups must say "not found"; one-time links (uid + token) answer with their own
    # "this link is invalid" page, which only has to be no 500.
    strict = all(kwarg in {"slug", "pk", "id", "section"} for kwarg, _converter in route.converters)
    for index, language in enumerate(languages_of(route)):
        url = world.url(client, route, language)
        real_status = client.get(url).status_code
        # Every attack in the first language, one per language after that.
        attacks = SLUG_ATTACKS if index == 0 else [SLUG_ATTACKS[index % len(SLUG_ATTACKS)]]
        for value in world.filled[(route, language)]:
            for attack in attacks:
                hostile = url.replace(value, attack, 1)
                response = _answer(client, "get", hostile)
                if world.working[(route, language)] and strict:
                    # The same view with a value that names nothing: not found (or, for a view
                    # that does not answer GET at all, the same refusal).
                    expected = {301, 302, 400, 404, 410} | (
                        {real_status} if real_status in {403, 405} else set()
                    )
                    assert response.status_code in expected, (
                        f"GET {hostile} answered {response.status_code}"
                    )


def test_every_sitemap_url_answers_200(world, client):
    try:
        index_url = reverse("sitemap")
    except NoReverseMatch:
        pytest.skip("the portal has no sitemap")
    index = _answer(client, "get", index_url)
    assert index.status_code == 200
    sections = re.findall(r"<loc>([^<]+)</loc>", index.content.decode())
    assert sections, "the sitemap index lists no section"
    pages = []
    for section in sections:
        answer = _answer(client, "get", urllib.parse.urlsplit(section).path + _query(section))
        assert answer.status_code == 200, section
        pages += re.findall(r"<loc>([^<]+)</loc>", answer.content.decode())
    paths = {urllib.parse.urlsplit(page).path for page in pages}
    assert world.company.slug in " ".join(paths)
    for language in LANGUAGES:
        assert any(path.startswith(f"/{language}/") for path in paths), language
    for path in sorted(paths):
        response = _answer(client, "get", path)
        assert response.status_code == 200, path


def _query(url):
    query = urllib.parse.urlsplit(url).query
    return f"?{query}" if query else ""
