"""The portal's URLs and one that fails, to see the 500 page as a person would."""

from django.urls import path

from wsa.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def failing_view(request):
    raise RuntimeError("a bug")


urlpatterns = [*urlpatterns, path("test-failure/", failing_view)]
