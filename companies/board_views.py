"""Cooperation offers and the job board."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from .models import CooperationOffer, JobPosting


def offer_list(request):
    offers = CooperationOffer.objects.open().select_related("company")
    page = Paginator(offers, 20).get_page(request.GET.get("page"))
    return render(request, "companies/offer_list.html", {"page_obj": page})


def offer_detail(request, slug):
    offer = get_object_or_404(
        CooperationOffer.objects.published().select_related("company"), slug=slug
    )
    return render(request, "companies/offer_detail.html", {"offer": offer})


def job_list(request):
    jobs = JobPosting.objects.open().select_related("company", "municipality")
    page = Paginator(jobs, 20).get_page(request.GET.get("page"))
    return render(request, "companies/job_list.html", {"page_obj": page})


def job_detail(request, slug):
    job = get_object_or_404(
        JobPosting.objects.published().select_related("company", "municipality"), slug=slug
    )
    return render(request, "companies/job_detail.html", {"job": job})
