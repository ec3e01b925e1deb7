"""Form widgets shared by the public forms: long multiple choices as checkbox lists.

A ``<select multiple>`` of 250 countries or 90 capabilities needs Ctrl-click and is nearly
unusable on a phone. ``ChecklistSelectMultiple`` renders such a choice as a plain list of
checkboxes, grouped where the data has groups (the capability tree, material categories,
countries near and far), in a fieldset with its legend (``portal/forms/field.html``):

- without JavaScript it is an ordinary checkbox list in a scrollable box, posting the same
  values as the ``<select multiple>`` did;
- ``portal/js/checklist.js`` reveals a labelled text box above a long list that filters the
  options as one types (ignoring case and accents, keeping checked options in sight), and a
  polite live region saying how many are selected.

``GroupedModelMultipleChoiceField`` gives a model choice its groups: ``group_tree`` for a tree
with a materialised ``path`` (capabilities), ``group_by(attribute)`` for a choice attribute
(a material's category). ``country_groups()`` gives the countries of the region first.
"""

from collections import defaultdict

from django import forms
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils.translation import gettext_lazy as _
from django_countries import countries

# Lists with at least this many options get the filter box.
FILTER_THRESHOLD = 15

# The countries the portal's clusters work with first; all others follow.
NEAR_COUNTRIES = ["FI", "SE", "PL", "LT", "EE", "LV", "NO", "DK", "DE"]


class ChecklistSelectMultiple(forms.CheckboxSelectMultiple):
    """A multiple choice as a (grouped) checkbox list, filterable with JavaScript."""

    template_name = "clusters/widgets/checklist.html"
    option_template_name = "clusters/widgets/checklist_option.html"

    def __init__(self, attrs=None, choices=(), *, filter_threshold=FILTER_THRESHOLD):
        super().__init__(attrs, choices)
        self.filter_threshold = filter_threshold

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["depth"] = getattr(value, "depth", 0)
        return option

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        # Django gives every option outside a group a "group" of its own: one list each.
        groups = []
        for label, group_options, _index in widget["optgroups"]:
            if label is None and groups and groups[-1][0] is None:
                groups[-1][1].extend(group_options)
            else:
                groups.append((label, list(group_options)))
        widget["groups"] = groups
        options = [option for _label, group_options in groups for option in group_options]
        count = len(options)
        widget["option_count"] = count
        widget["selected_count"] = sum(1 for option in options if option["selected"])
        widget["filterable"] = count >= self.filter_threshold
        return context


class TreeChoiceValue(ModelChoiceIteratorValue):
    """A model choice's value that also knows its depth below the group's heading."""

    def __init__(self, value, instance, depth=0):
        super().__init__(value, instance)
        self.depth = depth


class GroupedModelChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for label, members in self.field.group(list(self.queryset)):
            yield (label, [self.choice(obj, depth) for obj, depth in members])

    def __len__(self):
        return len(list(iter(self)))

    def choice(self, obj, depth=0):
        return (
            TreeChoiceValue(self.field.prepare_value(obj), obj, depth),
            self.field.label_from_instance(obj),
        )


class GroupedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A model multiple choice whose options come in groups.

    ``group`` takes the queryset's objects (a list) and returns ``[(group label, [(object,
    depth), …]), …]``. Validation is the queryset's, as for any model choice.
    """

    iterator = GroupedModelChoiceIterator
    widget = ChecklistSelectMultiple

    def __init__(self, queryset, *, group, **kwargs):
        self.group = group
        super().__init__(queryset, **kwargs)


def _sort_key(obj):
    return (getattr(obj, "position", 0), str(obj).casefold())


def group_tree(objects):
    """Group a tree (objects with ``parent_id``) under its roots: each root heads a group that
    lists the root itself and then its descendants, depth first, siblings by position and
    name. An object whose parent is not among ``objects`` counts as a root."""
    present = {obj.pk for obj in objects}
    children = defaultdict(list)
    roots = []
    for obj in objects:
        if obj.parent_id in present and obj.parent_id != obj.pk:
            children[obj.parent_id].append(obj)
        else:
            roots.append(obj)
    groups = []
    seen = set()
    for root in sorted(roots, key=_sort_key):
        members = []
        stack = [(root, 0)]
        while stack:
            node, depth = stack.pop()
            if node.pk in seen:
                continue
            seen.add(node.pk)
            members.append((node, depth))
            stack.extend(
                (child, depth + 1)
                for child in sorted(children[node.pk], key=_sort_key, reverse=True)
            )
        groups.append((str(root), members))
    return groups


def group_by(attribute):
    """Group objects by a choice field's display value (``get_<attribute>_display``), the groups
    in the order of the field's choices, each group's objects by name."""

    def group(objects):
        groups = {}
        for obj in objects:
            key = getattr(obj, attribute)
            label = getattr(obj, f"get_{attribute}_display")()
            groups.setdefault(key, (label, []))[1].append(obj)
        if objects:
            # In the order of the attribute's choices (metals before ceramics), not by key.
            order = [key for key, _label in objects[0]._meta.get_field(attribute).flatchoices]
            groups = dict(
                sorted(
                    groups.items(),
                    key=lambda item: order.index(item[0]) if item[0] in order else len(order),
                )
            )
        return [
            (label, [(obj, 0) for obj in sorted(members, key=_sort_key)])
            for label, members in groups.values()
        ]

    return group


def country_groups():
    """Country choices in two groups: the Baltic Sea region, then every other country by name
    (in the active language)."""
    near = [(code, countries.name(code)) for code in NEAR_COUNTRIES]
    others = [(code, name) for code, name in countries if code not in NEAR_COUNTRIES]
    return [(_("Baltic Sea region"), near), (_("Other countries"), others)]
