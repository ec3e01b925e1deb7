from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    """What the clusters achieved, counted from their own records (indicators/figures.py): the
    public figures page, the coordinators' version in the admin, CSV and XLSX downloads."""

    name = "indicators"
    verbose_name = _("Indicators")
