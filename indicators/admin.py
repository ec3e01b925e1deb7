"""The coordinators' figures in the admin: every figure, the coordinators-only ones included, for a
cluster (``/en/admin/portal/cluster/<id>/figures/``) or a project
(``/en/admin/projects/project/<id>/figures/``), with the same period form and downloads as the
public page.

The cluster's and the project's admin classes are extended here, as representatives/ extends the
company's: the figures page goes through the class's own scope, so a coordinator reaches their
own clusters' and projects' figures only (404 for any other, whatever URL is typed) and an
administrator every one.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clusters import admin as clusters_admin
from clusters.models import Cluster
from projects import admin as projects_admin
from projects.models import Project

from . import exports, figures, views
from .periods import Period, period_from
from .scopes import cluster_scope, project_scope


def project_period(project, today=None) -> Period:
    """A project's default period: from its start to its end (or today, if it runs on)."""
    today = today or timezone.localdate()
    end = min(project.end_date or today, today)
    if project.start_date > end:
        return Period.last_12_months(today)
    return Period(project.start_date, end)


class FiguresAdminMixin:
    figures_template = "admin/indicators/figures.html"

    def scope_of(self, obj):
        raise NotImplementedError

    def default_period(self, obj):
        return None

    def public_url(self, obj):
        return ""

    def figures_view(self, request, object_id):
        obj = self._get_in_scope_or_404(request, object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        form, period = period_from(request.GET)
        default = self.default_period(obj)
        if default and not form.is_bound:
            period = default
        fmt = views.wanted_format(request)
        if fmt and form.errors:
            return views.bad_period()
        report = figures.report(self.scope_of(obj), period)
        if fmt:
            return exports.download(report, fmt)
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_figures", args=[obj.pk])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": _("Figures of %(name)s") % {"name": obj},
            "form": form,
            "period": period,
            "report": report,
            "sections": views.presented(report, with_charts=False),
            "downloads": views.download_links(url, period),
            "page_url": url,
            "all_time_url": f"{url}?period=all",
            "public_url": self.public_url(obj),
        }
        return TemplateResponse(request, self.figures_template, context)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_figures"
        return [
            path(
                "<path:object_id>/figures/",
                self.admin_site.admin_view(self.figures_view),
                name=name,
            ),
            *super().get_urls(),
        ]


admin.site.unregister(Cluster)
admin.site.unregister(Project)


@admin.register(Cluster)
class ClusterAdmin(FiguresAdminMixin, clusters_admin.ClusterAdmin):
    def scope_of(self, obj):
        return cluster_scope(obj)

    def public_url(self, obj):
        if not obj.is_published:
            return ""
        return reverse("portal:cluster-figures", kwargs={"slug": obj.slug})


@admin.register(Project)
class ProjectAdmin(FiguresAdminMixin, projects_admin.ProjectAdmin):
    def scope_of(self, obj):
        return project_scope(obj)

    def default_period(self, obj):
        return project_period(obj)
