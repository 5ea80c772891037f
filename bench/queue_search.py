"""Back-office queue and search at national scale: server time p50/p95 against the bare baseline view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wsa_scale uv run python bench/queue_search.py [--rounds 3]

Needs the national data set (`manage.py seed_scale --cases 1000000`, which runs seed_demo first: the
demo's WSA, BA, visa-office and foreigners'-authority caseworkers work the queues). Starts its own
gunicorn (production settings, DEBUG off) and asks, one request at a time, for:

* queues: the WSA's default queue (by deadline) and its next pages (keyset cursor), by state,
  by office, office + state, overdue, by nationality, unclaimed, every case; the default queue
  of the BA, a visa office and a foreigners' authority, and their "all cases";
* searches: a reference (whole and its last digits), a passport number (whole and part), a surname,
  in the default queue and across all cases.

Server time is measured inside gunicorn (bench/wsgi.py). Targets: queue p95 <= 50 ms, search p95
<= 100 ms; the ratio to the baseline view (same middleware, session and user) shows the view's own cost.
"""

import argparse
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import BASELINE_PATH, Server, bench_environment, percentile, request, session_cookie, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="Passes over every scenario (each with new values).")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    env = bench_environment()
    setup_django(env)

    from accounts.models import Organisation, User
    from applications.models import Case, Person

    rng = random.Random(args.seed)
    total = Case.objects.count()
    if total < 100_000:
        print(f"warning: only {total} cases in {env['DATABASE_URL']} (run seed_scale --cases 1000000 first)")
    users = {key: User.objects.get(email=f"{key}@demo.wsa.example")
             for key in ("caseworker.wsa", "caseworker.ba", "caseworker.visa", "caseworker.abh")}
    cookies = {key: session_cookie(user) for key, user in users.items()}
    offices = dict(Organisation.objects.filter(kind__in=["ba", "visa_office", "foreigners_authority"])
                   .values_list("name", "pk"))
    ba = offices["Bundesagentur für Arbeit – ZAV"]
    visa = offices["Deutsche Botschaft Neu-Delhi"]
    max_id = Case.objects.order_by("-pk").values_list("pk", flat=True).first()

    def sample_cases(n):
        found = []
        while len(found) < n:
            pk = rng.randrange(1, max_id)
            row = Case.objects.filter(pk__gte=pk).order_by("pk").values_list("reference", "person_id").first()
            if row:
                found.append(row)
        return found

    def queue_scenarios():
        return [
            ("wsa default", "caseworker.wsa", "/backoffice/"),
            ("wsa default, page 2-3", "caseworker.wsa", "next:/backoffice/"),
            ("wsa submitted", "caseworker.wsa", "/backoffice/?state=submitted"),
            ("wsa documents requested", "caseworker.wsa", "/backoffice/?state=documents_requested"),
            ("wsa authority review", "caseworker.wsa", "/backoffice/?state=authority_review"),
            ("wsa all cases", "caseworker.wsa", "/backoffice/?state=all"),
            ("wsa office BA", "caseworker.wsa", f"/backoffice/?office={ba}"),
            ("wsa office visa + review", "caseworker.wsa", f"/backoffice/?office={visa}&state=authority_review"),
            ("wsa overdue", "caseworker.wsa", "/backoffice/?due=overdue"),
            ("wsa nationality", "caseworker.wsa", f"/backoffice/?country={rng.choice(['VNM', 'TUR', 'BRA'])}"),
            ("wsa unclaimed", "caseworker.wsa", "/backoffice/?assignee=none"),
            ("wsa by submission", "caseworker.wsa", "/backoffice/?sort=submitted"),
            ("ba default", "caseworker.ba", "/backoffice/"),
            ("ba default, page 2-3", "caseworker.ba", "next:/backoffice/"),
            ("ba all cases", "caseworker.ba", "/backoffice/?state=all"),
            ("ba overdue", "caseworker.ba", "/backoffice/?due=overdue"),
            ("visa office default", "caseworker.visa", "/backoffice/"),
            ("foreigners' authority default", "caseworker.abh", "/backoffice/"),
        ]

    def search_scenarios():
        (reference, person_id), (_ref2, person2) = sample_cases(2)
        passport = Person.objects.filter(pk=person_id).values_list("passport_number", flat=True).first()
        surname = Person.objects.filter(pk=person2).values_list("surname", flat=True).first()
        return [
            ("reference", "caseworker.wsa", f"/backoffice/?state=all&q={reference}"),
            ("reference, last digits", "caseworker.wsa", f"/backoffice/?state=all&q={reference[-7:]}"),
            ("passport number", "caseworker.wsa", f"/backoffice/?state=all&q={passport}"),
            ("passport number, part", "caseworker.wsa", f"/backoffice/?state=all&q={passport[2:8]}"),
            ("surname, queue", "caseworker.wsa", f"/backoffice/?q={surname.replace(' ', '+')}"),
            ("surname, all cases", "caseworker.wsa", f"/backoffice/?state=all&q={surname.replace(' ', '+')}"),
        ]

    with Server(env, workers=2) as server:
        def get(who, path):
            if path.startswith("next:"):  # follow the "Next page" link twice
                status = None
                times = []
                page = path[5:]
                for _ in range(3):
                    status, ms, _s, body = fetch(who, page)
                    times.append(ms)
                    match = re.search(r'href="\?([^"]*cursor=[^"]*)" rel="next"', body)
                    if not match:
                        break
                    page = "/backoffice/?" + match.group(1).replace("&amp;", "&")
                return status, times[1:] or times
            status, ms, _s, _body = fetch(who, path)
            return status, [ms]

        def fetch(who, path):
            import http.client

            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            try:
                connection.request("GET", path, headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https",
                                                         "Accept-Language": "en", "Cookie": cookies[who]})
                response = connection.getresponse()
                body = response.read().decode("utf-8", "replace")
                return response.status, float(response.getheader("X-Bench-Server-Ms")), 0, body
            finally:
                connection.close()

        # Warm-up: caches of the database and of the workers (templates, translations).
        for _ in range(3):
            for _name, who, path in queue_scenarios() + search_scenarios():
                get(who, path)
        baseline, queues, searches, slowest = [], {}, {}, []
        for _ in range(args.rounds):
            for _ in range(20):
                baseline.append(request(server.port, BASELINE_PATH, cookie=cookies["caseworker.wsa"])[1])
            for name, who, path in queue_scenarios():
                status, times = get(who, path)
                assert status == 200, (name, status)
                queues.setdefault(name, []).extend(times)
            for name, who, path in search_scenarios():
                status, times = get(who, path)
                assert status == 200, (name, status)
                searches.setdefault(name, []).extend(times)
                slowest.extend((ms, name, path) for ms in times)
            for _ in range(20):
                baseline.append(request(server.port, BASELINE_PATH, cookie=cookies["caseworker.wsa"])[1])

    print(f"cases in the database: {total:,}")
    print(f"baseline view (session + user, constant body): p50 {percentile(baseline, 50):.1f} ms, "
          f"p95 {percentile(baseline, 95):.1f} ms (n={len(baseline)})")
    for title, groups, target in (("queue", queues, 50), ("search", searches, 100)):
        every = [t for times in groups.values() for t in times]
        print(f"\n{title}: p50 {percentile(every, 50):.1f} ms, p95 {percentile(every, 95):.1f} ms "
              f"(target p95 <= {target} ms: {'met' if percentile(every, 95) <= target else 'NOT met'}); "
              f"ratio to the baseline: p50 x{percentile(every, 50) / percentile(baseline, 50):.1f}, "
              f"p95 x{percentile(every, 95) / percentile(baseline, 95):.1f}")
        for name, times in groups.items():
            print(f"  {name:32s} p50 {percentile(times, 50):7.1f} ms   p95 {percentile(times, 95):7.1f} ms   "
                  f"(n={len(times)})")
    print("\nslowest searches: " + "; ".join(f"{ms:.1f} ms {name} ({path.split('q=')[-1]})"
                                            for ms, name, path in sorted(slowest, reverse=True)[:4]))


if __name__ == "__main__":
    main()
