"""The WSGI application of the benchmarks' gunicorn: the portal's, wrapped to report the time the
server spent on each request (X-Bench-Server-Ms, until the response starts). Bench only."""

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from django.core.wsgi import get_wsgi_application

portal = get_wsgi_application()


def application(environ, start_response):
    began = time.perf_counter()

    def timed_start_response(status, headers, exc_info=None):
        headers = [*headers, ("X-Bench-Server-Ms", f"{(time.perf_counter() - began) * 1000:.2f}")]
        return start_response(status, headers, exc_info)

    return portal(environ, timed_start_response)
