from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from .models import Company, CompanyCertificate, CooperationOffer, JobPosting


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


def offer_list(request):
    offers = CooperationOffer.objects.open().select_related("company")
    page = Paginator(offers, 20).get_page(request.GET.get("page"))
    return render(request, "companies/offer_list.html", {"page_obj": page})


def offer_detail(request, slug):
    offer = get_object_or_404(CooperationOffer.objects.published().select_related("company"), slug=slug)
    return render(request, "companies/offer_detail.html", {"offer": offer})


def job_list(request):
    jobs = JobPosting.objects.open().select_related("company", "municipality")
    page = Paginator(jobs, 20).get_page(request.GET.get("page"))
    return render(request, "companies/job_list.html", {"page_obj": page})


def job_detail(request, slug):
    job = get_object_or_404(JobPosting.objects.published().select_related("company", "municipality"), slug=slug)
    return render(request, "companies/job_detail.html", {"job": job})
