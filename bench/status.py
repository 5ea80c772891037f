"""The applicant's status fragment (304 and full) and case page, in requests per second against the
bare baseline view on the same gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wsa_scale uv run python bench/status.py [--seconds 8] \
        [--rounds 3]

Works on any database with seeded cases (best: the national data set of seed_scale, so that the
indexes see a million cases). Starts its own gunicorn (production settings, DEBUG off, 2 sync
workers on this 2-core machine) and loads it with --concurrency client threads, a new connection
per request. Scenarios run in interleaved rounds (baseline, 304, full fragment, case page, ...)
so that other load on the machine hits them alike; the median of the rounds is reported.

The full fragment is rendered once per case version and language and then served from the cache
(applications.views.applicant.status._status_fragment); "first rendering" asks a different case with
each request, so that every answer is rendered (other applicants, one session each): the status
fragment alone, and the case page around it. The caseworker workspace (the WSA caseworker of the demo,
a different case in turn) caches nothing: every view of it is a first rendering.

Baselines: the bare view with the applicant's session cookie (middleware, session and user lookup:
what every signed-in view pays) and the same view without a session ("bare view, no session": the
middleware alone). Targets: the 304 path (answered from the cache alone, applications/status_poll.py)
>= 50 % of the bare view without a session; the full fragment, the case page and the workspace, also
when rendered for the first time, >= 25 % of the baseline.
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (
    BASELINE_PATH,
    PAGES_REDIS_URL,
    Server,
    bench_environment,
    request,
    session_cookie,
    setup_django,
    throughput,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="Duration of one scenario in one round.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--uncached", type=int, default=6000, help="Cases for the first-rendering scenario.")
    args = parser.parse_args()
    env = bench_environment(redis_url=PAGES_REDIS_URL)
    setup_django(env)

    from applications.lifecycle import CaseState
    from applications.models import Case

    case = (Case.objects.filter(state=CaseState.AUTHORITY_REVIEW, person__user__isnull=False)
            .select_related("person__user").order_by("-pk").first())
    if case is None:
        sys.exit("No case in authority review with an applicant login: run seed_demo or seed_scale first.")
    from django.core.cache import cache

    cache.clear()  # the page benchmarks' own Redis database (PAGES_REDIS_URL): no fragment of an earlier run is cached
    cookie = session_cookie(case.person.user)
    # For the fragment's first rendering (nothing cached yet): other applicants' cases, one request each.
    others = list(Case.objects.filter(state=CaseState.AUTHORITY_REVIEW, person__user__isnull=False)
                  .exclude(pk=case.pk).select_related("person__user").order_by("-pk")[:args.uncached])
    half = len(others) // 2
    first_renders = [(f"/applicant/cases/{other.public_id}/status/",
                      {"Cookie": session_cookie(other.person.user), "HX-Request": "true"}) for other in others[:half]]
    first_pages = [(f"/applicant/cases/{other.public_id}/", {"Cookie": session_cookie(other.person.user)})
                   for other in others[half:]]
    from accounts.models import User

    caseworker = User.objects.get(email="caseworker.wsa@demo.wsa.example")
    caseworker_cookie = {"Cookie": session_cookie(caseworker)}
    # The caseworker workspace keeps nothing in the cache: every view is a first rendering (other cases
    # in turn, so that no page is answered from one case's warm database pages alone).
    workspaces = [(f"/backoffice/cases/{other.public_id}/", caseworker_cookie) for other in others[:500]]
    status_path = f"/applicant/cases/{case.public_id}/status/"
    page_path = f"/applicant/cases/{case.public_id}/"

    with Server(env, workers=2) as server:
        first = request(server.port, status_path, cookie=cookie)
        assert first[0] == 200, first[0]
        etag = first[3].getheader("ETag")
        assert request(server.port, status_path, cookie=cookie, headers={"If-None-Match": etag})[0] == 304
        scenarios = {
            "bare view, no session": ([(BASELINE_PATH, {})], 200),
            "baseline view": ([(BASELINE_PATH, {})], 200),
            "status fragment, 304": ([(status_path, {"If-None-Match": etag, "HX-Request": "true"})], 304),
            "status fragment, full": ([(status_path, {"HX-Request": "true"})], 200),
            "status fragment, full, first rendering": (first_renders, 200),
            "case page": ([(page_path, {})], 200),
            "case page, first rendering": (first_pages, 200),
            "caseworker workspace": (workspaces, 200),
        }
        for name, (paths, expect) in scenarios.items():  # warm-up
            if "first" not in name:
                throughput(server.port, paths, cookie="" if "no session" in name or "workspace" in name else cookie,
                           seconds=1.5,
                           concurrency=args.concurrency,
                           expect=expect)
        results = {name: [] for name in scenarios}
        offset = dict.fromkeys(scenarios, 0)
        for _ in range(args.rounds):
            for name, (paths, expect) in scenarios.items():
                if "first" in name:  # each request renders a case's fragment for the first time
                    paths, used = paths[offset[name]:], []
                    rate = throughput(server.port, paths, cookie="", seconds=args.seconds,
                                      concurrency=args.concurrency, expect=expect, used=used)
                    offset[name] += sum(used)
                    results[name].append(rate)
                    continue
                own_cookie = "" if "no session" in name or "workspace" in name else cookie
                results[name].append(throughput(server.port, paths, cookie=own_cookie,
                                                seconds=args.seconds,
                                                concurrency=args.concurrency, expect=expect))

    base = statistics.median(results["baseline view"])
    bare = statistics.median(results["bare view, no session"])
    print(f"cases in the database: {Case.objects.count():,}; gunicorn 2 sync workers; {args.concurrency} client "
          f"threads; {args.rounds} rounds of {args.seconds:.0f} s per scenario (median shown)")
    targets = {"status fragment, 304": 0.50, "status fragment, full": 0.25,
               "status fragment, full, first rendering": 0.25, "case page": 0.25,
               "case page, first rendering": 0.25, "caseworker workspace": 0.25}
    for name, values in results.items():
        rps = statistics.median(values)
        line = f"  {name:24s} {rps:7.1f} req/s"
        if name in targets:
            ratio = rps / base
            line += (f"   {ratio:6.1%} of the baseline (target >= {targets[name]:.0%}: "
                     f"{'met' if ratio >= targets[name] else 'NOT met'})")
        if name == "status fragment, 304":
            line += (f"   {rps / bare:6.1%} of the bare view (target >= 50 %: "
                     f"{'met' if rps / bare >= 0.5 else 'NOT met'})")
        print(line + f"   rounds: {', '.join(f'{v:.0f}' for v in values)}")


if __name__ == "__main__":
    main()
