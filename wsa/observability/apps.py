from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "wsa.observability"
    label = "observability"
    verbose_name = "Metrics and health"

    def ready(self):
        from . import signals

        signals.connect()
