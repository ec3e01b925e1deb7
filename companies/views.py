from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from .models import Company, CompanyCertificate, CooperationOffer


def company_list(request):
    companies = Company.objects.published().select_related("municipality").order_by("name", "id")
    page = Paginator(companies, 20).get_page(request.GET.get("page"))
    return render(request, "companies/company_list.html", {"page_obj": page})


def company_detail(request, slug):
    company = get_object_or_404(
        Company.objects.published()
        .select_related("municipality__region")
        .prefetch_related(
            "sectors",
            "capabilities",
            "materials",
            "languages",
            "clusters",
            Prefetch("certificates", queryset=CompanyCertificate.objects.select_related("certification")),
            Prefetch("offers", queryset=CooperationOffer.objects.open(), to_attr="open_offers"),
        ),
        slug=slug,
    )
    return render(request, "companies/company_detail.html", {"company": company})

