"""Back-office queue and search at national scale: server time p50/p95 against the bare baseline view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wsa_scale uv run python bench/queue_search.py \
        [--rounds 35] [--repeat 3]

Needs the national data set (`manage.py seed_scale --cases 1000000`, which runs seed_demo first: the
demo's WSA, BA, visa-office and foreigners'-authority caseworkers work the queues). Starts its own
gunicorn (production settings, DEBUG off) and asks, one request at a time, for:

* queues: the WSA's default queue (by deadline) and its next pages (keyset cursor), by state,
  by office, office + state, overdue, by nationality, unclaimed, every case; the default queue
  of the BA, a visa office and a foreigners' authority, and their "all cases";
* searches: a reference (whole and its last digits), a passport number (whole and part), a surname,
  in the default queue and across all cases.

Server time is measured inside gunicorn (bench/wsgi.py). Targets (with margin): queue p95 <= 35 ms,
search p95 <= 60 ms; the ratio to the baseline view (same middleware, session and user) shows the
view's own cost.

Samples: every round asks every scenario once (the next-page scenarios twice) with new random values
for the searches and the nationality; the default 35 rounds give >= 35 samples per scenario and the
search p95 comes from >= 200 values (6 searches x 35). The whole measurement is repeated --repeat times
on the same server (each with its own random samples) and the spread of the p50 and p95 over the
repeats is printed: one run's p95 says little on a shared machine.
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
    parser.add_argument("--rounds", type=int, default=35,
                        help="Passes over every scenario in one run (each with new values).")
    parser.add_argument("--repeat", type=int, default=3, help="Runs, each with its own samples; the spread is printed.")
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
        runs = []
        for _ in range(args.repeat):
            baseline, queues, searches, slowest = [], {}, {}, []
            for _ in range(args.rounds):
                for _ in range(4):
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
                for _ in range(4):
                    baseline.append(request(server.port, BASELINE_PATH, cookie=cookies["caseworker.wsa"])[1])
            runs.append((baseline, queues, searches, slowest))

    print(f"cases in the database: {total:,}; {args.repeat} runs of {args.rounds} rounds")
    targets = {"queue": 35, "search": 60}
    summary = {"baseline": [], "queue": [], "search": []}
    for number, (baseline, queues, searches, slowest) in enumerate(runs, 1):
        print(f"\n=== run {number} of {args.repeat}")
        print(f"baseline view (session + user, constant body): p50 {percentile(baseline, 50):.1f} ms, "
              f"p95 {percentile(baseline, 95):.1f} ms (n={len(baseline)})")
        summary["baseline"].append((percentile(baseline, 50), percentile(baseline, 95)))
        for title, groups in (("queue", queues), ("search", searches)):
            every = [t for times in groups.values() for t in times]
            p50, p95 = percentile(every, 50), percentile(every, 95)
            summary[title].append((p50, p95))
            print(f"{title}: p50 {p50:.1f} ms, p95 {p95:.1f} ms from n={len(every)} "
                  f"(target p95 <= {targets[title]} ms: {'met' if p95 <= targets[title] else 'NOT met'}); "
                  f"ratio to the baseline: p50 x{p50 / percentile(baseline, 50):.1f}, "
                  f"p95 x{p95 / percentile(baseline, 95):.1f}")
            for name, times in groups.items():
                print(f"  {name:32s} p50 {percentile(times, 50):7.1f} ms   p95 {percentile(times, 95):7.1f} ms   "
                      f"(n={len(times)})")
        print("slowest searches: " + "; ".join(f"{ms:.1f} ms {name} ({path.split('q=')[-1]})"
                                              for ms, name, path in sorted(slowest, reverse=True)[:4]))
    print(f"\n=== spread over the {args.repeat} runs (min - max)")
    for title, values in summary.items():
        p50s, p95s = [v[0] for v in values], [v[1] for v in values]
        line = (f"  {title:8s} p50 {min(p50s):.1f} - {max(p50s):.1f} ms   p95 {min(p95s):.1f} - {max(p95s):.1f} ms "
                f"({', '.join(f'{v:.1f}' for v in p95s)})")
        if title in targets:
            held = sum(v <= targets[title] for v in p95s)
            line += f"   target p95 <= {targets[title]} ms held in {held} of {len(p95s)} runs"
        print(line)

if __name__ == "__main__":
    main()
