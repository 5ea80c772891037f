"""The portal's URLs plus a bare view that returns a constant: the baseline every benchmark compares
with (the same gunicorn, middleware, session and user lookup; no view work). Used only through
bench/settings.py when WSA_BENCH_BASELINE=1."""

from django.http import HttpResponse
from django.urls import include, path


def baseline(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("__bench__/baseline/", baseline),
    path("", include("wsa.urls")),
]
