"""Settings of the benchmarks' own servers and workers: the production settings (DJANGO_ENV=production,
DEBUG off, whitenoise, secure cookies; the bench client talks to gunicorn as a TLS-terminating proxy
would, with X-Forwarded-Proto), and only when WSA_BENCH_BASELINE=1 a URLconf that adds a bare
baseline view next to the portal's. Production code carries no benchmark route."""

import os

os.environ.setdefault("DJANGO_ENV", "production")

from wsa.settings import *  # noqa: F403

DEBUG = False

if os.environ.get("WSA_BENCH_BASELINE") == "1":
    ROOT_URLCONF = "bench.baseline_urls"
