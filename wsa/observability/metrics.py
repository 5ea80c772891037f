"""The portal's Prometheus metrics (prometheus-client). Labels are bounded: view names, task names,
office kinds, outcomes — never paths, ids or anything about a person.

In multi-process servers (gunicorn, Celery prefork) set PROMETHEUS_MULTIPROC_DIR before the process
starts; prometheus-client then writes every value to a file there and `exposition.registry()` sums
them up at scrape time.
"""

from prometheus_client import Counter, Histogram, disable_created_metrics

# The *_created series (a timestamp per label set) double the series count and no rule reads them.
disable_created_metrics()

# Web requests take milliseconds; the slowest pages (PDF decisions, big uploads) some seconds.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 30.0)
QUERY_COUNT_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 20, 30, 50, 100, 200, 500)
# Tasks and document checks run from milliseconds (a sweep) to the checks' hard limit (150 s).
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

http_request_duration = Histogram(
    "wsa_http_request_duration_seconds", "Time to answer a web request, by Django view name.",
    ["view", "method"], buckets=REQUEST_BUCKETS)
http_responses = Counter(
    "wsa_http_responses", "Web responses by view name and status code.", ["view", "method", "status"])
http_request_db_queries = Histogram(
    "wsa_http_request_db_queries", "Database queries of one web request, by view name.",
    ["view"], buckets=QUERY_COUNT_BUCKETS)

celery_task_duration = Histogram(
    "wsa_celery_task_duration_seconds", "Run time of a Celery task, by task name and final state.",
    ["task", "state"], buckets=TASK_BUCKETS)
celery_task_retries = Counter("wsa_celery_task_retries", "Celery task retries, by task name.", ["task"])
celery_task_failures = Counter("wsa_celery_task_failures", "Celery tasks that raised, by task name.", ["task"])
celery_enqueue_failures = Counter(
    "wsa_celery_enqueue_failures",
    "Tasks not handed to the broker (unreachable, or paused after it was), by task name; a beat sweep queues "
    "their work later.", ["task"])

document_check_duration = Histogram(
    "wsa_document_check_duration_seconds",
    "Run time of the automated checks of one document, by outcome (the document's final state, or "
    "timeout / unreadable / error when the checks could not finish).",
    ["outcome"], buckets=TASK_BUCKETS)

login_failures = Counter("wsa_login_failures", "Failed sign-ins (wrong password or unknown login).")
login_lockouts = Counter("wsa_login_lockouts", "Sign-ins refused because the login and address are locked out.")

ba_deemed_approvals = Counter(
    "wsa_ba_deemed_approvals",
    "BA approvals deemed given because the BA did not answer within its legal deadline (§ 36 Abs. 2 BeschV).")
