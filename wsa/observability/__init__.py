"""Metrics and health for operators: Prometheus metrics, the /metrics and /readyz endpoints.

`metrics` only defines the metrics and imports nothing of the apps, so any app may record into it
(like `wsa.site`). Everything that reads the apps (the scrape-time collector, the readiness checks)
lives in the other modules of this package, which stand above the apps.
"""
