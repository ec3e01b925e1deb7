from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode

from clusters.abuse import rate_limited

from . import directory, exports, matching
from .models import Company


def company_list(request):
    if request.GET.get("format") == "csv":
        return company_export(request)
    context = directory.browse(request.GET, request.path)
    return render(request, "companies/company_list.html", context)


def company_export(request):
    """The current result as CSV (public fields, at most exports.CSV_MAX_ROWS rows), streamed."""
    ids, vocabulary = directory.results(request.GET, exports.CSV_MAX_ROWS)
    response = StreamingHttpResponse(
        exports.csv_lines(ids, vocabulary, request.build_absolute_uri),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="companies.csv"'
    response["X-Robots-Tag"] = "noindex"
    return response


def company_detail(request, slug):
    company = get_object_or_404(directory.profile_queryset(), slug=slug)
    profile_url = request.build_absolute_uri(company.get_absolute_url())
    list_url = reverse("companies:list")

    def cluster_url(cluster):
        return request.build_absolute_uri(cluster.get_absolute_url())

    context = {
        "company": company,
        "json_ld": exports.json_ld_text(
            exports.organization_json_ld(company, profile_url, cluster_url)
        ),
        "map_url": exports.map_url(company),
        "directory_url": list_url,
        "same_town_url": f"{list_url}?{urlencode({'municipality': company.municipality_id})}",
    }
    return render(request, "companies/company_detail.html", context)


DEFAULT_VCARD_RATE = "30/h"


def vcard_rate(group, request):
    return getattr(settings, "VCARD_RATELIMIT", DEFAULT_VCARD_RATE)


# The vCards give the companies' e-mail addresses in plain text: not at harvesting speed.
@rate_limited("public-get:vcard", vcard_rate, methods=("GET", "HEAD"))
def company_vcard(request, slug):
    company = get_object_or_404(
        Company.objects.published().select_related("municipality__region"), slug=slug
    )
    card = exports.vcard(company, request.build_absolute_uri(company.get_absolute_url()))
    response = HttpResponse(card, content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{company.slug}.vcf"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def company_partners(request, slug):
    company = get_object_or_404(
        Company.objects.published().prefetch_related("capabilities", "materials"), slug=slug
    )
    matches = matching.find_partners(matching.criteria_for_company(company))
    return render(
        request,
        "companies/partners.html",
        {"source": company, "company": company, "matches": matches},
    )
