"""The translated classification lists in fixtures/taxonomy.json: sectors, capabilities, materials,
certifications and spoken languages, in all five languages."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from modeltranslation.translator import translator

from companies import engine
from companies.models import Capability, Certification, Company, Material, Sector, SpokenLanguage
from tests import factories
from tests.shared import shared_data

pytestmark = pytest.mark.django_db

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "taxonomy.json"
MODELS = [Sector, Capability, Material, Certification, SpokenLanguage]
LANGUAGES = settings.LANGUAGE_CODES
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def load_taxonomy():
    call_command("loaddata", str(FIXTURE), verbosity=0)


@pytest.fixture(scope="module")
def taxonomy(django_db_setup, django_db_blocker):
    """Loaded once per module (and xdist worker), in a transaction rolled back at its end
    (tests/shared.py); what a test writes is rolled back after it. The tests that do not ask
    for it read the JSON file only."""
    with shared_data(django_db_blocker, load_taxonomy):
        yield


def translated_fields(model):
    return translator.get_options_for_model(model).get_field_names()


def snapshot():
    """Every stored value of every taxonomy row, per model."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def test_fixture_covers_all_five_languages_in_settings():
    assert set(LANGUAGES) == {"en", "sv", "fi", "pl", "lt"}


def test_loads_twice_without_duplicates_or_changes(taxonomy):
    first = snapshot()
    call_command("loaddata", str(FIXTURE), verbosity=0)
    assert snapshot() == first
    assert Capability.objects.count() == len(first["Capability"])


def test_every_translated_field_is_filled_in_every_language(taxonomy):
    empty = []
    for model in MODELS:
        for obj in model.objects.all():
            for field in translated_fields(model):
                for lang in LANGUAGES:
                    if not (getattr(obj, f"{field}_{lang}") or "").strip():
                        empty.append(f"{model.__name__} {obj.pk} {field}_{lang}")
    assert empty == []


def test_base_columns_hold_the_english_text(taxonomy):
    for model in MODELS:
        table = model._meta.db_table
        for field in translated_fields(model):
            # Raw SQL: through the ORM, modeltranslation would read the active language's column.
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id, {field}, {field}_en FROM {table}")
                mismatched = [row for row in cursor.fetchall() if row[1] != row[2]]
            assert mismatched == [], (model.__name__, field)


def test_descriptions_are_translated_not_copied(taxonomy):
    """A description identical to the English one in another language was not translated."""
    for model in (Capability, Certification):
        for obj in model.objects.all():
            for lang in ("sv", "fi", "pl", "lt"):
                assert getattr(obj, f"description_{lang}") != obj.description_en, (obj.slug, lang)


def test_every_row_passes_model_validation(taxonomy):
    for model in MODELS:
        for obj in model.objects.all():
            obj.full_clean()


def test_capabilities_form_a_tree_with_at_least_eight_roots_each_with_children(taxonomy):
    assert Capability.objects.count() >= 40
    roots = list(Capability.objects.filter(parent=None))
    assert len(roots) >= 8
    for root in roots:
        assert root.children.exists(), root.slug
    for child in Capability.objects.exclude(parent=None).select_related("parent"):
        assert child.parent.parent_id is None, "two levels: a root and its processes"


def test_stored_paths_equal_the_computed_ones(taxonomy):
    assert Capability.rebuild_paths() == 0
    welding = Capability.objects.get(slug="welding")
    below = set(
        Capability.objects.filter(path__startswith=welding.path).values_list("slug", flat=True)
    )
    assert {"welding", "tig-welding", "mig-mag-welding", "robotic-welding"} <= below
    assert "laser-cutting" not in below


def test_tree_ordering_follows_positions(taxonomy):
    """The default ordering (by path) lists each root, then its children by position."""
    listed = list(Capability.objects.all())
    expected = []
    for root in sorted((c for c in listed if c.parent_id is None), key=lambda c: c.position):
        expected.append(root)
        expected += sorted((c for c in listed if c.parent_id == root.pk), key=lambda c: c.position)
    assert [c.pk for c in listed] == [c.pk for c in expected]
    siblings = [(c.parent_id, c.position) for c in listed]
    assert len(siblings) == len(set(siblings))


def test_capability_names_are_unique_within_each_language(taxonomy):
    for lang in LANGUAGES:
        names = [
            name.casefold() for name in Capability.objects.values_list(f"name_{lang}", flat=True)
        ]
        duplicates = {name for name in names if names.count(name) > 1}
        assert duplicates == set(), lang


def test_slugs_are_unique_and_well_formed(taxonomy):
    for model in (Sector, Capability, Material, Certification):
        slugs = list(model.objects.values_list("slug", flat=True))
        assert len(slugs) == len(set(slugs)), model.__name__
        assert all(SLUG.match(slug) for slug in slugs), model.__name__


def test_the_common_certifications_are_present(taxonomy):
    codes = list(Certification.objects.values_list("code", flat=True))
    for wanted in ("ISO 9001", "ISO 14001", "ISO 45001", "ISO 3834", "EN 1090", "FSC", "PEFC"):
        assert any(code.startswith(wanted) for code in codes), wanted
    assert set(Certification.objects.values_list("kind", flat=True)) <= set(
        Certification.Kind.values
    )


def test_materials_include_stainless_steel_in_five_languages(taxonomy):
    stainless = Material.objects.get(slug="stainless-steel")
    assert stainless.category == Material.Category.METAL
    assert (
        stainless.name_en,
        stainless.name_sv,
        stainless.name_fi,
        stainless.name_pl,
        stainless.name_lt,
    ) == (
        "Stainless steel",
        "Rostfritt stål",
        "Ruostumaton teräs",
        "Stal nierdzewna",
        "Nerūdijantis plienas",
    )
    assert set(Material.objects.values_list("category", flat=True)) == set(Material.Category.values)


def test_sectors_are_nace_codes_with_their_divisions(taxonomy):
    codes = set(Sector.objects.values_list("nace_code", flat=True))
    assert all(re.fullmatch(r"[A-U]|\d\d(\.\d\d?)?", code) for code in codes)
    for division in ("16", "17", "22", "24", "25", "28", "31", "33", "35", "38", "71", "72"):
        assert division in codes
    for group in (code for code in codes if "." in code):
        assert group.split(".")[0] in codes, f"{group} without its division"
    assert Sector.objects.get(nace_code="25.62").name_fi == "Metallien työstö"


def test_spoken_languages_are_named_in_every_interface_language(taxonomy):
    codes = set(SpokenLanguage.objects.values_list("code", flat=True))
    assert codes == {"fi", "sv", "en", "pl", "lt", "de", "ru", "no", "et", "lv", "fr", "es", "zh"}
    assert SpokenLanguage.objects.get(code="sv").name_fi == "ruotsi"
    assert SpokenLanguage.objects.get(code="fi").name_pl == "fiński"
    assert SpokenLanguage.objects.get(code="pl").name_lt == "lenkų"
    assert SpokenLanguage.objects.get(code="lt").name_sv == "litauiska"


def test_a_search_in_any_language_finds_a_polish_laser_cutter(taxonomy):
    town = factories.municipality(country="PL", name_en="Białystok", name_pl="Białystok")
    supplier = factories.company(name="Stal-Laser Sp. z o.o.", municipality=town)
    supplier.capabilities.add(Capability.objects.get(slug="laser-cutting"))
    supplier.materials.add(Material.objects.get(slug="stainless-steel"))

    for query in (
        "laserleikkaus ruostumaton",
        "laserskärning rostfritt",
        "laser cutting stainless",
        "pjovimas lazeriu nerūdijantis",
        "ohutlevytyöt",
    ):
        assert engine.current().query(text=query).ids(0, 10) == [supplier.pk], query
    sheet_metal = Capability.objects.get(slug="sheet-metal-work")
    assert list(Company.objects.filter(capabilities__path__startswith=sheet_metal.path)) == [
        supplier
    ]


def test_fixture_file_is_consistent_with_itself():
    """The per-language columns and the base column agree in the file, pks are explicit."""
    objects = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert objects
    for obj in objects:
        assert isinstance(obj["pk"], int)
        fields = obj["fields"]
        for name in [key for key in fields if f"{key}_en" in fields]:
            assert fields[name] == fields[f"{name}_en"], (obj["model"], obj["pk"], name)
