import os

from django.core.wsgi import get_wsgi_application

from wsa.observability.tracing import configure_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wsa.settings")
# Before Django loads its middleware and opens a connection, so both are instrumented (when on).
configure_tracing(service_name="wsa-web")
application = get_wsgi_application()
