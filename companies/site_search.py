"""The companies' section of the site search (registered in CompaniesConfig.ready()).

Companies are found by the directory engine (companies/engine.py): the same matching and order
as the directory, accents ignored, so ``bialystok`` finds Białystok.
"""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from clusters.site_search import ResultGroup

from . import engine
from .directory import companies_in_order


def companies(query, words, limit):
    found = engine.current().query(text=query, sort=engine.SORT_RELEVANCE)
    items = companies_in_order(
        found.ids(0, limit), lambda queryset: queryset.select_related("municipality")
    )
    more_url = f"{reverse('companies:list')}?{urlencode({'q': query})}"
    return ResultGroup(
        key="companies",
        label=_("Companies"),
        items=items,
        count=found.total,
        more_url=more_url if found.total > limit else "",
    )
