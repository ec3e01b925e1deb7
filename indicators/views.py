"""The public figures page of a cluster (``/en/clusters/<slug>/figures/``), its CSV and XLSX
(``?format=csv``, ``?format=xlsx``, with the same period), and what the admin's version shares
with it: the period form, the charts, the downloads.

The public page shows the public figures only (indicators/figures.py says which); a date the
form cannot read is a form error shown above the default period's figures, never a 500, and a
download asked for with such a date answers 400.
"""

from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from clusters import charts
from clusters.models import Cluster

from . import exports, figures
from .periods import period_from
from .scopes import cluster_scope

# What each headline figure reads: (figure key, row).
HEADLINE = {
    "members": ("members", 0),
    "joined": ("members", 1),
    "left": ("members", 2),
    "events": ("events", 0),
    "participants": ("events", 2),
    "meetings": ("matchmaking", 2),
    "offers": ("offers", 0),
    "requests": ("offers", 1),
    "reached": ("reached", 0),
}


def chart_for(figure) -> str:
    """The figure's SVG chart (the page shows its table beside it), or "" for plain numbers."""
    chart_id = f"chart-{figure.key.replace('_', '-')}"
    description = figure.note or _("The table below gives the same figures.")
    if figure.chart == figures.BARS:
        bars = [charts.Bar(label, values[0]) for label, values in figure.rows if values[0]]
        return charts.bar_svg(bars, chart_id=chart_id, title=figure.title, description=description)
    if figure.chart == figures.SERIES:
        return charts.grouped_bar_svg(
            figure.rows,
            figure.columns,
            chart_id=chart_id,
            title=figure.title,
            description=description,
        )
    return ""


def presented(report, with_charts=True) -> list:
    """The report's sections, each figure with its chart: [(key, title, [(figure, chart)])]."""
    return [
        (
            key,
            title,
            [
                (figure, chart_for(figure) if with_charts and not figure.is_empty else "")
                for figure in section
            ],
        )
        for key, title, section in report.sections()
    ]


def headline(report) -> dict:
    values = {name: report.value(key, row) or 0 for name, (key, row) in HEADLINE.items()}
    values["offers"] += values.pop("requests")
    return values


def download_links(base_url, period) -> list[tuple[str, str]]:
    query = period.query()
    return [
        (label, f"{base_url}?{urlencode({**query, 'format': fmt})}")
        for fmt, label in (("csv", "CSV"), ("xlsx", "XLSX (Excel)"))
    ]


def wanted_format(request) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in exports.CONTENT_TYPES else None


def bad_period():
    return HttpResponseBadRequest(
        _("The period is not valid: choose its dates again."), content_type="text/plain"
    )


@require_safe
def cluster_figures(request, slug):
    cluster = get_object_or_404(Cluster.objects.published(), slug=slug)
    form, period = period_from(request.GET)
    fmt = wanted_format(request)
    if fmt and form.errors:
        return bad_period()
    report = figures.report(cluster_scope(cluster), period).public()
    if fmt:
        return exports.download(report, fmt)
    url = reverse("portal:cluster-figures", kwargs={"slug": cluster.slug})
    context = {
        "cluster": cluster,
        "form": form,
        "period": period,
        "report": report,
        "sections": presented(report),
        "headline": headline(report),
        "downloads": download_links(url, period),
        "all_time_url": f"{url}?{urlencode({'period': 'all'})}",
        "page_url": url,
    }
    return render(request, "indicators/cluster_figures.html", context)
