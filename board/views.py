"""Cooperation offers, the job board and partner matching: thin views over forms and services.

Every POST is rate-limited per client (429) and carries a honeypot: a filled honeypot is
answered like a success, but nothing is stored or sent.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clusters.abuse import public_post_ratelimit
from companies import matching
from companies.models import Company

from . import services
from .filters import JobFilter, OfferFilter
from .forms import InterestForm, JobForm, JobMessageForm, OfferForm
from .models import OFFER_MAX_VALIDITY_DAYS, CooperationOffer, JobPosting

PER_PAGE = 20


def _language():
    return get_language() or "en"


def _relay_message(request, obj, form_class, *, anchor, relay, render_form, closed_error=None):
    """The "express interest" and "contact the poster" POSTs: a honeypot hit is answered like a
    success, an invalid form is shown again (400), a valid one is relayed to ``obj``'s owner."""
    if request.method != "POST":
        return redirect(obj)
    form = form_class(request.POST)
    if not form.is_spam:
        if closed_error:
            form.add_error(None, closed_error)
        if not form.is_valid():
            return render_form(form)
        relay(obj, form.cleaned_data, language=_language())
    # Post/redirect/get to the section of the form, where the page shows the thanks in place of
    # the form (see _messages_at), in view: not at the top of the page, far above.
    messages.success(request, _("Thank you: your message was passed on."), extra_tags=anchor)
    return redirect(f"{obj.get_absolute_url()}#{anchor}")


def _messages_at(request, anchor):
    """Split this request's messages: those tagged with ``anchor`` belong to that section of the
    page (``<anchor>_messages``), the others go where base.html shows messages (``messages``
    overrides the context processor's)."""
    here, elsewhere = [], []
    for message in messages.get_messages(request):
        (here if anchor in message.extra_tags.split() else elsewhere).append(message)
    return {"messages": elsewhere, f"{anchor}_messages": here}


def _post_form(request, form, *, post, submitted, published_message, template, context=None):
    """The posting pages: a honeypot hit goes to the "received" page like a success; a valid
    form is stored by ``post`` and shows the published post, or the "received" page while it
    waits for moderation."""
    if request.method == "POST":
        if form.is_spam:
            return redirect(submitted)
        if form.is_valid():
            obj = post(form.cleaned_data)
            if obj.is_published:
                messages.success(request, published_message)
                return redirect(obj)
            return redirect(submitted)
    status = 400 if form.is_bound else 200
    return render(request, template, {"form": form, **(context or {})}, status=status)


# --- Cooperation offers ----------------------------------------------------------------------


def offer_list(request):
    offers = (
        CooperationOffer.objects.open()
        .select_related("company", "cluster")
        .order_by("-valid_from", "-id")
    )
    filterset = OfferFilter(request.GET or None, queryset=offers)
    page = Paginator(filterset.qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "board/offer_list.html", {"page_obj": page, "filter": filterset})


def _published_offer(slug):
    return get_object_or_404(
        CooperationOffer.objects.published()
        .select_related("company__municipality", "cluster")
        .prefetch_related("capabilities", "materials"),
        slug=slug,
    )


def _render_offer(request, offer, form, status=200):
    represented = Company.objects.represented_by(request.user)
    is_owner = offer.company_id is not None and represented.filter(pk=offer.company_id).exists()
    context = {
        **_messages_at(request, "interest"),
        "offer": offer,
        "form": form,
        "is_open": offer.is_open(),
        "is_owner": is_owner,
        "interest_count": offer.interests.count() if is_owner else None,
        "manage_url": reverse("offers:manage", kwargs={"token": offer.manage_token})
        if is_owner
        else None,
    }
    return render(request, "board/offer_detail.html", context, status=status)


def offer_detail(request, slug):
    offer = _published_offer(slug)
    return _render_offer(request, offer, InterestForm())


@require_http_methods(["GET", "POST"])
@public_post_ratelimit("offer-interest")
def offer_interest(request, slug):
    offer = _published_offer(slug)
    return _relay_message(
        request,
        offer,
        InterestForm,
        anchor="interest",
        relay=services.express_interest,
        render_form=lambda form: _render_offer(request, offer, form, status=400),
        closed_error=None if offer.is_open() else _("This offer is no longer open."),
    )


@require_http_methods(["GET", "POST"])
@public_post_ratelimit("offer-create")
def offer_create(request):
    companies = Company.objects.represented_by(request.user)
    return _post_form(
        request,
        OfferForm(request.POST or None, companies=companies),
        post=lambda data: services.post_offer(data, user=request.user, language=_language()),
        submitted="offers:submitted",
        published_message=_("Your offer is published."),
        template="board/offer_form.html",
    )


def offer_submitted(request):
    return render(request, "board/offer_submitted.html")


def _at_ceiling_message(offer):
    return ngettext(
        "An offer can be valid for at most %(days)s day ahead: it is valid until %(date)s, the "
        "longest possible. You can renew it again later.",
        "An offer can be valid for at most %(days)s days ahead: it is valid until %(date)s, the "
        "longest possible. You can renew it again later.",
        OFFER_MAX_VALIDITY_DAYS,
    ) % {"days": OFFER_MAX_VALIDITY_DAYS, "date": offer.valid_until.isoformat()}


@require_http_methods(["GET", "POST"])
@public_post_ratelimit("offer-manage")
def offer_manage(request, token):
    offer = get_object_or_404(
        CooperationOffer.objects.select_related("company").annotate(
            interest_count=Count("interests")
        ),
        manage_token=token,
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if offer.is_withdrawn or action not in {"renew", "withdraw"}:
            return render(request, "board/offer_manage.html", {"offer": offer}, status=400)
        if action == "renew":
            ceiling = offer.renewal_ceiling()
            if offer.valid_until >= ceiling:
                messages.info(request, _at_ceiling_message(offer))
            else:
                offer.renew()
                messages.success(
                    request,
                    _("The offer is renewed until %(date)s.")
                    % {"date": offer.valid_until.isoformat()},
                )
                if offer.valid_until >= ceiling:
                    messages.info(request, _at_ceiling_message(offer))
        else:
            services.withdraw_offer(offer)
            messages.success(request, _("The offer is withdrawn."))
        return redirect("offers:manage", token=offer.manage_token)
    return render(request, "board/offer_manage.html", {"offer": offer})


# --- Partners --------------------------------------------------------------------------------


def offer_partners(request, slug):
    offer = _published_offer(slug)
    matches = matching.find_partners(matching.criteria_for_offer(offer))
    return render(
        request, "companies/partners.html", {"source": offer, "offer": offer, "matches": matches}
    )


# --- Job board -------------------------------------------------------------------------------


def job_list(request):
    jobs = (
        JobPosting.objects.open()
        .select_related("company", "municipality__region")
        .prefetch_related("languages")
        .order_by("-created_at", "-id")
    )
    filterset = JobFilter(request.GET or None, queryset=jobs)
    page = Paginator(filterset.qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "board/job_list.html", {"page_obj": page, "filter": filterset})


def _open_job(slug):
    return get_object_or_404(
        JobPosting.objects.open()
        .select_related("company", "municipality__region")
        .prefetch_related("languages"),
        slug=slug,
    )


def _render_job(request, job, form, status=200):
    context = {**_messages_at(request, "contact"), "job": job, "form": form}
    return render(request, "board/job_detail.html", context, status=status)


def job_detail(request, slug):
    job = _open_job(slug)
    return _render_job(request, job, JobMessageForm())


@require_http_methods(["GET", "POST"])
@public_post_ratelimit("job-message")
def job_message(request, slug):
    job = _open_job(slug)
    return _relay_message(
        request,
        job,
        JobMessageForm,
        anchor="contact",
        relay=services.relay_job_message,
        render_form=lambda form: _render_job(request, job, form, status=400),
    )


@require_http_methods(["GET", "POST"])
@public_post_ratelimit("job-create")
def job_create(request, kind):
    companies = Company.objects.represented_by(request.user)
    return _post_form(
        request,
        JobForm(request.POST or None, kind=kind, companies=companies),
        post=lambda data: services.post_job(
            data, kind=kind, user=request.user, language=_language()
        ),
        submitted="jobs:submitted",
        published_message=_("Your job offer is published."),
        template="board/job_form.html",
        context={"kind": kind},
    )


def job_submitted(request):
    return render(request, "board/job_submitted.html")


@require_http_methods(["GET", "POST"])
@public_post_ratelimit("job-manage")
def job_manage(request, token):
    job = (
        JobPosting.objects.select_related("company", "municipality")
        .filter(manage_token=token)
        .first()
    )
    if job is None:
        # Already withdrawn or purged: say so plainly (the link was private anyway).
        return render(request, "board/job_manage.html", {"job": None}, status=404)
    if request.method == "POST":
        if request.POST.get("action") != "withdraw":
            return render(request, "board/job_manage.html", {"job": job}, status=400)
        services.withdraw_job(job)
        messages.success(request, _("Your post and your contact details are deleted."))
        return redirect("jobs:list")
    return render(request, "board/job_manage.html", {"job": job})
