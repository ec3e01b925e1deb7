from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from clusters.admin_base import ModerationAdminMixin, ScopedAdmin, ScopedTabularInline
from companies import admin as companies_admin
from companies.admin import COMPANY_SCOPE
from companies.models import Company

from .accounts import InvitationForm, invite_representative
from .models import CompanyChangeRequest, CompanyRepresentative
from .profiles import describe_changes


class CompanyRepresentativeInline(ScopedTabularInline):
    model = CompanyRepresentative
    fields = ["user", "language", "invited_by", "created_at"]
    readonly_fields = ["user", "invited_by", "created_at"]
    verbose_name_plural = _("representatives (invite new ones with “Invite a representative”)")

    def has_add_permission(self, request, obj=None):
        return False


# A company's page lists its representatives and invites new ones: this app extends the
# directory's company admin rather than the directory knowing about representatives.
admin.site.unregister(Company)


@admin.register(Company)
class CompanyAdmin(companies_admin.CompanyAdmin):
    inlines = [*companies_admin.CompanyAdmin.inlines, CompanyRepresentativeInline]

    def get_urls(self):
        return [
            path(
                "<path:object_id>/invite/",
                self.admin_site.admin_view(self.invite_view),
                name="companies_company_invite",
            ),
            *super().get_urls(),
        ]

    def invite_view(self, request, object_id):
        company = self._get_in_scope_or_404(request, object_id)
        if not self.has_change_permission(request, company):
            raise PermissionDenied
        form = InvitationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            invite_representative(company, invited_by=request.user, **form.cleaned_data)
            self.message_user(
                request,
                _("An invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:companies_company_change", args=[company.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": company,
            "title": _("Invite a representative of %(company)s") % {"company": company},
            "form": form,
        }
        return TemplateResponse(request, "admin/companies/company/invite.html", context)


@admin.register(CompanyChangeRequest)
class CompanyChangeRequestAdmin(ModerationAdminMixin, ScopedAdmin):
    cluster_scope = (f"company__{COMPANY_SCOPE}",)
    list_display = ["company", "submitted_by", "language", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["company", "submitted_by"]
    search_fields = ["company__name", "company__business_id"]
    fields = [
        "company",
        "submitted_by",
        "language",
        "status",
        "rejection_reason",
        "changes",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("changes"))
    def changes(self, obj):
        rows = describe_changes(obj)
        if not rows:
            return _("No changes.")
        return format_html_join(
            "",
            "<p><strong>{}</strong>: {} → {}</p>",
            ((label, old, new) for label, old, new in rows),
        )


@admin.register(CompanyRepresentative)
class CompanyRepresentativeAdmin(ScopedAdmin):
    cluster_scope = (f"company__{COMPANY_SCOPE}",)
    list_display = ["user", "company", "language", "invited_by", "created_at"]
    list_select_related = ["user", "company", "invited_by"]
    search_fields = ["user__email", "user__username", "company__name"]
    autocomplete_fields = ["company"]
    readonly_fields = ["user", "invited_by", "created_at"]

    def has_add_permission(self, request):
        # Representatives are invited from the company's page (one-time link by e-mail).
        return False
