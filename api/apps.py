from corsheaders.signals import check_request_enabled
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Open data API")

    def ready(self):
        from . import cors

        check_request_enabled.connect(cors.enabled_for, dispatch_uid="api.cors.enabled_for")
