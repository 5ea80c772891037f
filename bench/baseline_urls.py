"""The portal's URLs plus a bare view that returns a constant: the baseline every benchmark compares
with (the same gunicorn and middleware; with a session cookie it loads the session and the user, as
every signed-in view does; without one it is the truly bare view). Used only through
bench/settings.py when WSA_BENCH_BASELINE=1."""

from django.http import HttpResponse
from django.urls import include, path


def baseline(request):
    request.user.is_authenticated  # noqa: B018 - the user lookup of a signed-in view, as the middleware once forced
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("__bench__/baseline/", baseline),
    path("", include("wsa.urls")),
]
