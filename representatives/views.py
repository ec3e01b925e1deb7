""" "My company": a representative's dashboard, profile form and "my profile is up to date"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from board.models import CooperationOffer, JobPosting
from companies.models import Company

from .models import CompanyChangeRequest
from .profiles import CompanyProfileForm, submit_profile

LOGIN_URL = "my_company:login"


def _my_companies(user):
    return (
        Company.objects.represented_by(user)
        .select_related("municipality")
        .prefetch_related(
            Prefetch("offers", queryset=CooperationOffer.objects.order_by("-created_at")),
            Prefetch("jobs", queryset=JobPosting.objects.order_by("-created_at")),
            Prefetch(
                "change_requests",
                queryset=CompanyChangeRequest.objects.pending(),
                to_attr="pending_changes",
            ),
        )
        .order_by("name", "pk")
    )


def _my_company_or_404(request, slug):
    return get_object_or_404(_my_companies(request.user), slug=slug)


@login_required(login_url=LOGIN_URL)
def dashboard(request):
    companies = list(_my_companies(request.user))
    if len(companies) == 1:
        return redirect("my_company:company", slug=companies[0].slug)
    return render(request, "representatives/my_dashboard.html", {"companies": companies})


@login_required(login_url=LOGIN_URL)
def company_home(request, slug):
    company = _my_company_or_404(request, slug)
    return render(request, "representatives/my_company.html", {"company": company})


@login_required(login_url=LOGIN_URL)
def company_edit(request, slug):
    company = _my_company_or_404(request, slug)
    form = CompanyProfileForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        change_request = submit_profile(
            form, user=request.user, language=translation.get_language()
        )
        if change_request is None:
            messages.success(request, _("The profile was saved and marked as up to date."))
        else:
            messages.info(
                request,
                _(
                    "Thank you. The cluster reviews profile changes; you will get an e-mail when they are published."
                ),
            )
        return redirect("my_company:company", slug=company.slug)
    return render(
        request, "representatives/my_company_form.html", {"company": company, "form": form}
    )


@require_POST
@login_required(login_url=LOGIN_URL)
def company_confirm(request, slug):
    company = _my_company_or_404(request, slug)
    company.confirm()
    messages.success(request, _("Thank you: the profile is marked as up to date."))
    return redirect("my_company:company", slug=company.slug)
