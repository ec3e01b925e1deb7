"""The public forms' checkbox lists (clusters.widgets) and the ``join_list`` filter: what a
browser without JavaScript gets, what a POST of checked boxes gives, lists as text."""

import pytest
from bs4 import BeautifulSoup
from django import forms
from django.template import Context, Template
from django.utils import translation
from django.utils.datastructures import MultiValueDict

from clusters.templatetags.text_lists import join_as_text
from clusters.widgets import (
    NEAR_COUNTRIES,
    ChecklistSelectMultiple,
    GroupedModelMultipleChoiceField,
    country_groups,
    group_by,
    group_tree,
)
from companies.models import Capability, Material
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    welding = factories.capability(name_en="Welding", name_pl="Spawanie", position=20)
    machining = factories.capability(name_en="Machining", name_pl="Obróbka", position=10)
    tig = factories.capability(name_en="TIG welding", parent=welding, position=2)
    mig = factories.capability(name_en="MIG welding", parent=welding, position=1)
    turning = factories.capability(name_en="CNC turning", parent=machining)
    return {"welding": welding, "machining": machining, "tig": tig, "mig": mig, "turning": turning}


class TreeForm(forms.Form):
    capabilities = GroupedModelMultipleChoiceField(
        label="Capabilities", queryset=Capability.objects.all(), group=group_tree, required=False
    )
    materials = GroupedModelMultipleChoiceField(
        label="Materials",
        queryset=Material.objects.all(),
        group=group_by("category"),
        required=False,
    )
    countries = forms.MultipleChoiceField(
        label="Countries", widget=ChecklistSelectMultiple, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["countries"].choices = country_groups()
        for field in self.fields.values():
            field.template_name = "portal/forms/field.html"  # as PublicFormMixin does


def soup_of(bound_field):
    return BeautifulSoup(str(bound_field.as_field_group()), "html.parser")


def test_tree_renders_as_grouped_checkboxes_in_a_fieldset_without_a_select(tree):
    soup = soup_of(TreeForm()["capabilities"])
    assert not soup.select("select")
    assert soup.select_one("fieldset > legend").get_text(strip=True) == "Capabilities"
    groups = soup.select(".checklist-group")
    assert [group.legend.get_text(strip=True) for group in groups] == ["Machining", "Welding"]
    welding = [label.get_text(strip=True) for label in groups[1].select("label")]
    # The root first, then its children by position.
    assert welding == ["Welding", "MIG welding", "TIG welding"]
    assert groups[1].select("li")[1]["class"] == ["checklist-option", "depth-1"]
    for box in soup.select("input[type=checkbox]"):
        assert box["name"] == "capabilities"
        label = soup.select_one(f"label[for={box['id']}]")
        assert label is not None and label.get_text(strip=True)


def test_group_labels_follow_the_active_language(tree):
    with translation.override("pl"):
        soup = soup_of(TreeForm()["capabilities"])
    assert [legend.get_text(strip=True) for legend in soup.select(".checklist-group legend")] == [
        "Obróbka",
        "Spawanie",
    ]


def test_short_list_has_no_filter_tools_and_long_list_has_them_hidden_until_javascript(tree):
    soup = soup_of(TreeForm()["capabilities"])  # five options
    assert not soup.select(".checklist-tools")
    assert "checklist-long" not in soup.select_one(".checklist")["class"]
    soup = soup_of(TreeForm()["countries"])  # every country
    tools = soup.select_one(".checklist-tools")
    assert tools.has_attr("hidden")  # shown by checklist.js
    box = tools.select_one("input[type=search]")
    assert soup.select_one(f"label[for={box['id']}]").get_text(strip=True)
    assert box["aria-controls"] == soup.select_one(".checklist-options")["id"]
    count = tools.select_one("[data-checklist-count]")
    assert count["aria-live"] == "polite"
    assert count.get_text(strip=True) == "Selected: 0"
    assert count["data-template"] == "Selected: {n}"


def test_countries_come_in_two_groups_the_region_first():
    soup = soup_of(TreeForm()["countries"])
    groups = soup.select(".checklist-group")
    assert len(groups) == 2
    near = [box["value"] for box in groups[0].select("input")]
    assert near == NEAR_COUNTRIES
    assert len(groups[1].select("input")) > 200


def test_materials_are_grouped_by_category_in_the_order_of_the_choices():
    factories.material(name_en="Spruce", category=Material.Category.WOOD)
    factories.material(name_en="Steel", category=Material.Category.METAL)
    factories.material(name_en="Aluminium", category=Material.Category.METAL)
    soup = soup_of(TreeForm()["materials"])
    groups = soup.select(".checklist-group")
    assert [group.legend.get_text(strip=True) for group in groups] == ["Metals", "Wood and fibre"]
    assert [label.get_text(strip=True) for label in groups[0].select("label")] == [
        "Aluminium",
        "Steel",
    ]


def test_posted_checkboxes_are_cleaned_like_the_select_multiple_was(tree):
    data = MultiValueDict(
        {
            "capabilities": [str(tree["tig"].pk), str(tree["machining"].pk)],
            "countries": ["FI", "JP"],
        }
    )
    form = TreeForm(data)
    assert form.is_valid(), form.errors
    assert set(form.cleaned_data["capabilities"]) == {tree["tig"], tree["machining"]}
    assert form.cleaned_data["countries"] == ["FI", "JP"]
    # What was checked is checked again when the form is shown again, and counted.
    soup = soup_of(form["capabilities"])
    checked = {box["value"] for box in soup.select("input[checked]")}
    assert checked == {str(tree["tig"].pk), str(tree["machining"].pk)}
    soup = soup_of(form["countries"])
    assert soup.select_one("[data-checklist-count]").get_text(strip=True) == "Selected: 2"


@pytest.mark.parametrize(
    "data, field",
    [({"capabilities": ["999999"]}, "capabilities"), ({"countries": ["XX"]}, "countries")],
)
def test_unknown_values_are_rejected(tree, data, field):
    form = TreeForm(MultiValueDict(data))
    assert not form.is_valid()
    assert field in form.errors


def test_flat_choices_make_one_list():
    widget = ChecklistSelectMultiple(choices=[("a", "A"), ("b", "B"), ("c", "C")])
    soup = BeautifulSoup(widget.render("letters", ["b"], {"id": "id_letters"}), "html.parser")
    assert len(soup.select("ul.checklist-list")) == 1
    assert [box["id"] for box in soup.select("input")] == [
        "id_letters_0",
        "id_letters_1",
        "id_letters_2",
    ]
    assert soup.select_one("input[checked]")["value"] == "b"
    assert not soup.select(".checklist-group")


def test_group_tree_survives_a_parent_outside_the_queryset(tree):
    objects = list(Capability.objects.exclude(pk=tree["welding"].pk))
    labels = [label for label, _members in group_tree(objects)]
    assert labels == ["MIG welding", "TIG welding", "Machining"]  # by position, then name


# --- join_list -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "Water, Energy and Metal"),
        ("sv", "Water, Energy och Metal"),
        ("fi", "Water, Energy ja Metal"),
        ("pl", "Water, Energy i Metal"),
        ("lt", "Water, Energy ir Metal"),
    ],
)
def test_join_list_uses_the_languages_conjunction(language, expected):
    with translation.override(language):
        assert join_as_text(["Water", "Energy", "Metal"]) == expected


def test_join_list_of_lazy_labels_without_autoescape():
    from events.models import VisitRequest

    labels = [VisitRequest.FocusArea.ENERGY.label, VisitRequest.FocusArea.WATER.label]
    template = Template(
        "{% load text_lists %}{% autoescape off %}{{ labels|join_list }}|{{ one|join_list }}|"
        "{{ none|join_list|default:'–' }}{% endautoescape %}"
    )
    with translation.override("sv"):
        text = template.render(Context({"labels": labels, "one": labels[:1], "none": []}))
    assert text == "Energi och förnybar energi och Vatten och avlopp|Energi och förnybar energi|–"
    assert "[" not in text and "'" not in text
