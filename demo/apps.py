from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo-data generator and its ``seed_demo`` command; no models. A development tool:
    portal/settings.py installs it only where this package and Faker can be imported, and the
    production image has neither. Its name is not translated: no page shows it."""

    name = "demo"
    label = "demo"
    verbose_name = "Demo data"
