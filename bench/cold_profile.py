"""Milliseconds per request of the cold (first) renderings of issue #25, in one process, without
HTTP: the authenticated baseline view, the status fragment's first rendering, the case page's first
rendering and the caseworker workspace, interleaved request by request, each a different case; and the
imprint ("layout": static text in the portal's layout, signed in), the floor of every page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wsa_scale BENCH_PAGES_REDIS_URL=redis://127.0.0.1:6379/13 \
        uv run python bench/cold_profile.py [--requests 40] [--profile workspace] [--queries]

Same settings as bench/status.py (production, DEBUG off; `django.test.Client` instead of gunicorn).
--profile NAME runs cProfile over that scenario's requests and prints the functions by own and
cumulative time; --queries prints the SQL statements of one request of each scenario. Where the
time of a cold page goes, before any HTTP or gunicorn cost: what bench/status.py measures end to end.
"""

import argparse
import cProfile
import io
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import BASELINE_PATH, PAGES_REDIS_URL, ROOT, bench_environment, session_cookie, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="Requests per scenario (each a new case).")
    parser.add_argument("--profile", default="", help="baseline, layout, status, page or workspace")
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    env = bench_environment(redis_url=PAGES_REDIS_URL)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    setup_django(env)

    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from applications.lifecycle import CaseState
    from applications.models import Case

    cache.clear()  # the page benchmarks' own Redis database (PAGES_REDIS_URL): every fragment is rendered anew
    cases = list(Case.objects.filter(state=CaseState.AUTHORITY_REVIEW, person__user__isnull=False)
                 .select_related("person__user").order_by("-pk")[:3 * args.requests + 3])
    if len(cases) < 3 * args.requests + 3:
        sys.exit("Not enough cases in authority review with an applicant login: seed_scale first.")
    caseworker = User.objects.get(email="caseworker.wsa@demo.wsa.example")
    headers = {"HTTP_HOST": "127.0.0.1", "HTTP_X_FORWARDED_PROTO": "https", "HTTP_ACCEPT_LANGUAGE": "en"}

    client = Client(**headers)  # one handler, so one middleware chain, as in a gunicorn worker

    def session_for(user) -> str:
        return session_cookie(user).split("=", 1)[1]

    def get(session_key: str, path: str, **extra):
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
        return client.get(path, **extra)

    base_session = session_for(cases[-1].person.user)
    staff_session = session_for(caseworker)
    plans = {"baseline": [], "layout": [], "status": [], "page": [], "workspace": []}
    for i in range(args.requests):
        status_case, page_case, work_case = cases[3 * i], cases[3 * i + 1], cases[3 * i + 2]
        plans["baseline"].append((base_session, BASELINE_PATH, {}))
        plans["layout"].append((base_session, reverse("imprint"), {}))  # the portal's layout, no data: the floor
        plans["status"].append((session_for(status_case.person.user),
                                f"/applicant/cases/{status_case.public_id}/status/", {"HTTP_HX_REQUEST": "true"}))
        plans["page"].append((session_for(page_case.person.user), f"/applicant/cases/{page_case.public_id}/", {}))
        plans["workspace"].append((staff_session, f"/backoffice/cases/{work_case.public_id}/", {}))

    # Warm-up: imports, templates, URL resolution, one connection (on cases not measured).
    spare = cases[-3:]
    for _ in range(3):
        get(base_session, BASELINE_PATH)
    get(session_for(spare[0].person.user), f"/applicant/cases/{spare[0].public_id}/status/", HTTP_HX_REQUEST="true")
    get(session_for(spare[1].person.user), f"/applicant/cases/{spare[1].public_id}/")
    get(staff_session, f"/backoffice/cases/{spare[2].public_id}/")

    if args.queries:
        for name, plan in plans.items():
            session_key, path, extra = plan.pop()
            with CaptureQueriesContext(connection) as captured:
                assert get(session_key, path, **extra).status_code == 200
            print(f"--- {name}: {len(captured)} statements")
            for query in captured.captured_queries:
                print("   ", query["sql"][:300])
        return

    timings = {name: [] for name in plans}
    cpu = {name: [] for name in plans}
    profiler = cProfile.Profile() if args.profile else None
    for i in range(len(plans["baseline"])):
        for name, plan in plans.items():
            session_key, path, extra = plan[i]
            if profiler and name == args.profile:
                profiler.enable()
            began, began_cpu = time.perf_counter(), time.process_time()
            response = get(session_key, path, **extra)
            timings[name].append((time.perf_counter() - began) * 1000)
            cpu[name].append((time.process_time() - began_cpu) * 1000)
            if profiler and name == args.profile:
                profiler.disable()
            assert response.status_code == 200, (name, path, response.status_code)
    base = statistics.median(timings["baseline"])
    base_cpu = statistics.median(cpu["baseline"])
    print(f"{len(timings['baseline'])} requests each: median wall ms (min, p90), median CPU ms of this process "
          f"(the database's not counted), and the share of the baseline's:")
    for name, values in timings.items():
        values.sort()
        median, median_cpu = statistics.median(values), statistics.median(cpu[name])
        print(f"  {name:10s} wall {median:7.2f} ms ({values[0]:.2f}, {values[int(len(values) * 0.9)]:.2f})"
              f" {base / median:6.1%}   CPU {median_cpu:7.2f} ms {base_cpu / median_cpu:6.1%}")
    if profiler:
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
