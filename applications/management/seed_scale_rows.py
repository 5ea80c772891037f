"""The rows of the national data set (`manage.py seed_scale`): the mix of states, titles, nationalities
and offices, the plan of each batch of cases, and its rendering as PostgreSQL COPY rows, written by
worker processes. The command itself (tables, indexes, resuming, analysing) is in
`commands/seed_scale.py`."""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connection, connections, transaction

from applications.lifecycle import CaseState
from applications.models import search_text_of

BATCH_TABLE = "wsa_seed_scale_batch"
SEGMENT_TABLE = "wsa_seed_scale_segment"
INDEX_TABLE = "wsa_seed_scale_index"
SEED_DOMAIN = "scale.wsa.example"
DAY = 86400

# Tables the seed fills, in load order. The secondary indexes of these are dropped for a big load.
TABLES = {
    "users": ("accounts_user", "id, password, last_login, is_superuser, public_id, email, full_name, "
              "preferred_language, is_staff, is_active, date_joined"),
    "persons": ("applications_person", "id, public_id, surname, given_names, birth_date, birth_place, sex, "
                "nationality, passport_number, passport_issuing_state, passport_expiry, email, phone, street, "
                "postal_code, city, country_of_residence, created_at, updated_at, user_id"),
    "cases": ("applications_case", "id, public_id, reference, title_code, procedure_language, accelerated, state, "
              "version, created_at, updated_at, submitted_at, closed_at, created_by_id, employer_id, person_id, "
              "search_text"),
    "employments": ("applications_employment", "id, job_title, occupation_kldb, occupation_isco, duties, "
                    "annual_gross_salary, weekly_hours, start_date, duration_months, collective_agreement, "
                    "workplace_street, workplace_postal_code, workplace_city, workplace_state, case_id"),
    "details": ("accounts_employercasedetails", "id, employer_reference, required_qualification, "
                "required_qualification_detail, working_conditions, created_at, updated_at, case_id, "
                "created_by_id, organisation_id"),
    "consents": ("accounts_caseconsent", "id, scope, granted_at, revoked_at, case_id, granted_by_id, "
                 "organisation_id, person_id"),
    "documents": ("documents_document", "id, public_id, document_type, file, original_name, sha256, size, "
                  "content_type, page_count, state, extracted, created_at, checked_at, case_id, owner_id, "
                  "uploaded_by_id"),
    "requests": ("authorities_authorityrequest", "id, public_id, purpose, state, outcome, conditions, "
                 "idempotency_key, due_at, deadline_source, deemed_approval_on_silence, deemed_approval, "
                 "overdue_since, attempts, error_code, last_error, request_body, response_body, remote_id, "
                 "created_at, updated_at, sent_at, acknowledged_at, answered_at, authority_id, case_id"),
    "outbox": ("authorities_outbox", "id, state, attempts, next_attempt_at, last_error, created_at, delivered_at, "
               "request_id"),
    "docrequests": ("applications_documentrequest", "id, public_id, reason, note, due_at, created_at, "
                    "fulfilled_at, case_id, requested_by_id"),
    "assignments": ("applications_caseassignment", "id, claimed_at, case_id, user_id"),
    "events": ("applications_event", "id, kind, from_state, to_state, payload, internal, created_at, actor_id, "
               "case_id"),
}

S = CaseState
# (state, share of all cases, age range in days). Old cases are mostly done, new ones open.
STATE_MIX = [
    (S.DRAFT, 0.07, (0, 60)),
    (S.SUBMITTED, 0.035, (1, 21)),
    (S.COMPLETENESS_CHECK, 0.035, (2, 30)),
    (S.DOCUMENTS_REQUESTED, 0.025, (10, 60)),
    (S.AUTHORITY_REVIEW, 0.14, (15, 120)),
    (S.VISA_DECISION, 0.03, (40, 150)),
    (S.VISA_GRANTED, 0.05, (60, 200)),
    (S.REJECTED, 0.04, (60, 400)),
    (S.ENTERED, 0.06, (90, 300)),
    (S.PERMIT_ISSUED, 0.10, (120, 500)),
    (S.CLOSED, 0.385, (200, 1000)),
    (S.WITHDRAWN, 0.03, (10, 700)),
]
REVIEWED = ["submit", "start_completeness_check", "start_authority_review", "refer_to_visa_decision"]
PATHS = {
    S.DRAFT: [],
    S.SUBMITTED: ["submit"],
    S.COMPLETENESS_CHECK: ["submit", "start_completeness_check"],
    S.DOCUMENTS_REQUESTED: ["submit", "start_completeness_check", "request_documents"],
    S.AUTHORITY_REVIEW: ["submit", "start_completeness_check", "start_authority_review"],
    S.VISA_DECISION: REVIEWED,
    S.VISA_GRANTED: REVIEWED + ["grant_visa"],
    S.REJECTED: REVIEWED + ["reject"],
    S.ENTERED: REVIEWED + ["grant_visa", "report_entry"],
    S.PERMIT_ISSUED: REVIEWED + ["grant_visa", "report_entry", "issue_permit"],
    S.CLOSED: REVIEWED + ["grant_visa", "report_entry", "issue_permit", "close"],
    S.WITHDRAWN: ["submit", "withdraw"],
}
TARGETS = {"submit": S.SUBMITTED, "start_completeness_check": S.COMPLETENESS_CHECK,
           "request_documents": S.DOCUMENTS_REQUESTED, "start_authority_review": S.AUTHORITY_REVIEW,
           "refer_to_visa_decision": S.VISA_DECISION, "grant_visa": S.VISA_GRANTED, "reject": S.REJECTED,
           "report_entry": S.ENTERED, "issue_permit": S.PERMIT_ISSUED, "close": S.CLOSED, "withdraw": S.WITHDRAWN}
APPLICANT_TRANSITIONS = {"submit", "withdraw", "report_entry"}
BEFORE_REVIEW = {S.SUBMITTED, S.COMPLETENESS_CHECK, S.DOCUMENTS_REQUESTED}
VISA_GRANTED_STATES = {S.VISA_GRANTED, S.ENTERED, S.PERMIT_ISSUED, S.CLOSED}
QUEUE_STATES = {S.SUBMITTED, S.COMPLETENESS_CHECK, S.DOCUMENTS_REQUESTED, S.AUTHORITY_REVIEW}

# Nationalities the demo's visa offices serve (so every case routes), with MRZ-style names.
COUNTRIES = {
    "IND": (0.22, ["SHARMA", "PATEL", "IYER", "SINGH", "KUMAR", "GUPTA", "REDDY", "NAIR", "MENON", "RAO", "DAS",
                   "MEHTA", "JOSHI", "PILLAI", "CHOPRA", "KAPOOR", "BANERJEE", "MUKHERJEE", "DESAI", "SHAH",
                   "VERMA", "MISHRA", "PANDEY", "YADAV", "CHAUHAN", "MALHOTRA", "BHATT", "KULKARNI", "JAIN",
                   "AGARWAL"],
            ["PRIYA", "ARJUN", "LAKSHMI", "RAHUL", "ANANYA", "VIKRAM", "DEEPA", "SURESH", "KAVYA", "ROHAN", "NEHA",
             "ADITYA", "POOJA", "KARAN", "DIVYA", "SANJAY", "MEERA", "AMIT", "SNEHA", "RAJESH"]),
    "VNM": (0.08, ["NGUYEN", "TRAN", "LE", "PHAM", "HOANG", "PHAN", "VU", "VO", "DANG", "BUI", "DO", "HO", "NGO",
                   "DUONG", "LY"],
            ["VAN AN", "THI HOA", "MINH DUC", "THI LAN", "QUANG HUY", "THI MAI", "DUC ANH", "THU TRANG",
             "HOANG NAM", "NGOC ANH"]),
    "COL": (0.07, ["GARCIA", "RODRIGUEZ", "MARTINEZ", "LOPEZ", "GONZALEZ", "HERNANDEZ", "SANCHEZ", "RAMIREZ",
                   "TORRES", "DIAZ", "MORENO", "ROJAS", "VARGAS", "CASTRO", "MENDOZA"],
            ["SOFIA", "CARLOS", "CAMILA", "JUAN DAVID", "VALENTINA", "ANDRES", "DANIELA", "SANTIAGO", "MARIA JOSE",
             "SEBASTIAN"]),
    "ECU": (0.02, ["ZAMBRANO", "VERA", "CEDENO", "MOREIRA", "ALVARADO", "ANDRADE", "GUERRERO", "PAREDES"],
            ["JOSE LUIS", "ANA MARIA", "DIEGO", "GABRIELA", "LUIS", "PAOLA"]),
    "NGA": (0.08, ["OKAFOR", "ADEYEMI", "OKONKWO", "BELLO", "ABUBAKAR", "EZE", "OGUNLEYE", "NWOSU", "IBRAHIM",
                   "ADEBAYO", "OKORO", "CHUKWU"],
            ["CHINEDU", "NGOZI", "OLUWASEUN", "AMINA", "EMEKA", "FUNMILAYO", "TUNDE", "CHIAMAKA", "IFEANYI",
             "ZAINAB"]),
    "BRA": (0.08, ["SILVA", "SANTOS", "OLIVEIRA", "SOUZA", "PEREIRA", "LIMA", "CARVALHO", "FERREIRA", "ALMEIDA",
                   "COSTA", "RIBEIRO", "GOMES", "MARTINS", "ARAUJO"],
            ["JOAO PEDRO", "ANA", "LUCAS", "JULIANA", "GABRIEL", "BEATRIZ", "RAFAEL", "LARISSA", "MATHEUS",
             "FERNANDA"]),
    "TUR": (0.10, ["YILDIZ", "KAYA", "DEMIR", "SAHIN", "CELIK", "YILMAZ", "OZTURK", "AYDIN", "ARSLAN", "DOGAN",
                   "KILIC", "ASLAN", "CETIN", "KARA", "KOC"],
            ["AYSE", "EMRE", "ZEYNEP", "MEHMET", "ELIF", "MUSTAFA", "FATMA", "BURAK", "MERVE", "CAN"]),
    "UKR": (0.08, ["KOVALENKO", "BONDARENKO", "SHEVCHENKO", "MELNYK", "TKACHENKO", "KRAVCHENKO", "OLIINYK",
                   "LYSENKO", "MARCHENKO", "RUDENKO", "SAVCHENKO", "PETRENKO"],
            ["OLENA", "DMYTRO", "IRYNA", "OLEKSANDR", "NATALIIA", "ANDRII", "YULIIA", "SERHII", "OKSANA",
             "MYKOLA"]),
    "MAR": (0.06, ["EL AMRANI", "BENALI", "EL IDRISSI", "BENNANI", "ALAOUI", "TAZI", "CHAOUI", "BERRADA",
                   "FASSI", "OUAZZANI"],
            ["YOUSSEF", "FATIMA", "MOHAMMED", "KHADIJA", "HAMZA", "SALMA", "KARIM", "NADIA", "AYOUB", "SANAA"]),
    "PHL": (0.12, ["SANTOS", "REYES", "CRUZ", "BAUTISTA", "OCAMPO", "GARCIA", "MENDOZA", "TORRES", "TOMAS",
                   "ANDRADA", "CASTILLO", "FLORES", "VILLANUEVA", "RAMOS"],
            ["MARIA CLARA", "JOSE", "ANGELICA", "MARK ANTHONY", "KRISTINE", "JOHN PAUL", "MARICEL", "RICARDO",
             "JASMINE", "ROMMEL"]),
    "NPL": (0.06, ["SHRESTHA", "GURUNG", "TAMANG", "THAPA", "RAI", "MAGAR", "ADHIKARI", "KARKI", "POUDEL",
                   "BHANDARI"],
            ["SITA", "RAM", "ANITA", "BIKASH", "SUNITA", "PRAKASH", "SARITA", "DIPAK"]),
    "BTN": (0.03, ["DORJI", "WANGCHUK", "TSHERING", "WANGMO", "PENJOR", "LHAMO"],
            ["KARMA", "PEMA", "SONAM", "TASHI", "DECHEN", "KINLEY"]),
}
# Titles with their share, job, ISCO-08 (2xxx → ZAB, 3/7/8xxx → IHK FOSA) and salary range.
TITLES = [
    ("18b", 0.22, [("Software Developer", "2512"), ("Data Scientist", "2511"), ("Civil Engineer", "2142"),
                   ("Physician", "2211")], (48000, 95000)),
    ("18g", 0.25, [("Software Developer", "2512"), ("Electrical Engineer", "2151"), ("IT Architect", "2511"),
                   ("Mechanical Engineer", "2144")], (44000, 110000)),
    ("18a", 0.20, [("Nursing Specialist", "3221"), ("Electrician", "7411"), ("Mechatronics Technician", "7233"),
                   ("Truck Driver", "8332"), ("Cook", "3434")], (32000, 52000)),
    ("19c", 0.08, [("Care Assistant", "5322"), ("Warehouse Worker", "9333"), ("Bus Driver", "8331")],
     (28000, 42000)),
    ("20a", 0.07, [], (0, 0)),
    ("16d1", 0.10, [("Nursing Specialist (adaptation)", "3221"), ("Electrician (adaptation)", "7411")],
     (26000, 36000)),
    ("16d3", 0.08, [("Nursing Assistant", "3221"), ("Cook", "3434")], (28000, 40000)),
]
ACADEMIC_TITLES = {"18b", "18g"}
CITIES = [("BE", "Berlin", "10115"), ("BE", "Berlin", "10245"), ("BE", "Berlin", "12043"), ("BY", "München", "80331"),
          ("BY", "Nürnberg", "90402"), ("BY", "Augsburg", "86150"), ("BY", "Regensburg", "93047")]
DOCUMENTS = [
    ("passport", "passport.pdf", "application/pdf"),
    ("degree_certificate", "degree-certificate.pdf", "application/pdf"),
    ("employment_contract", "employment-contract.pdf", "application/pdf"),
    ("language_certificate", "language-certificate.jpg", "image/jpeg"),
    ("cv", "cv.pdf", "application/pdf"),
    ("photo", "photo.jpg", "image/jpeg"),
    ("health_insurance", "health-insurance.pdf", "application/pdf"),
]
PURPOSE_DEADLINES = {  # days from delivery; the rules engine's figures for the regular procedure
    "ba_approval": (14, "§ 36 Abs. 2 BeschV", True),
    "recognition": (90, "§ 14 Abs. 3 BQFG", False),
}
DOC_REQUEST_REASONS = ["missing", "illegible", "expired", "translation", "certification", "name_mismatch"]


def _t(value: bool) -> str:
    return "t" if value else "f"


NULL = "\\N"


@dataclass
class Pools:
    """What the generator refers to: offices, employers, staff. Read once, passed to the workers."""

    visa_office: dict[str, int]
    ba: int
    register: int
    zab: int
    fosa: int
    abh: dict[str, int]
    demo_employer: int
    employers: list[int]
    caseworkers: list[int]
    now: int
    seed: int


@dataclass
class Plan:
    """A segment of the seed: cases [first, first + count) with references from `ref_offset` on."""

    segment: int
    first: int
    count: int
    ref_offset: int
    years: list[int] = field(default_factory=list)


class Ids:
    """A block of primary keys reserved from a table's sequence."""

    def __init__(self, cursor, table: str, count: int):
        self.values = None
        self.base = 0
        if count == 0:
            return
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT min(v), max(v) FROM (SELECT nextval(%s) AS v FROM generate_series(1, %s)) s",
                       [sequence, count])
        low, high = cursor.fetchone()
        if high - low + 1 == count:
            self.base = low
        else:  # somebody else took ids in between: use exactly the ones we got
            cursor.execute("SELECT array_agg(v ORDER BY v) FROM (SELECT nextval(%s) AS v "
                           "FROM generate_series(1, %s)) s", [sequence, count])
            self.values = cursor.fetchone()[0]

    def __getitem__(self, index: int) -> int:
        return self.values[index] if self.values is not None else self.base + index


class Clock:
    """Fast text timestamps for COPY (UTC), from integer seconds."""

    def __init__(self, now: int):
        self.day0 = now // DAY - 1200
        start = datetime.fromtimestamp(self.day0 * DAY, tz=UTC).date()
        self.days = [(start + timedelta(days=i)).isoformat() for i in range(1300)]

    def ts(self, seconds: int) -> str:
        day, rest = divmod(int(seconds), DAY)
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{self.days[day - self.day0]} {hours:02d}:{minutes:02d}:{secs:02d}+00"

    def date(self, seconds: int) -> str:
        return self.days[int(seconds) // DAY - self.day0]


def _weighted(rng: random.Random, items, weights, k: int):
    return rng.choices(items, weights=weights, k=k)


class BatchWriter:
    """Generates one batch of cases and COPYs it, inside the caller's transaction."""

    def __init__(self, pools: Pools, plan: Plan, batch: int, first: int, count: int):
        self.pools, self.plan, self.batch, self.first, self.count = pools, plan, batch, first, count
        self.rng = random.Random(pools.seed * 1_000_003 + first)
        self.clock = Clock(pools.now)

    # -- planning: what each case has, so that exact id blocks can be reserved --------------------
    def plan_cases(self) -> list[dict]:
        rng, now = self.rng, self.pools.now
        states = _weighted(rng, [s for s, _, _ in STATE_MIX], [w for _, w, _ in STATE_MIX], self.count)
        ages = {s: a for s, _, a in STATE_MIX}
        countries = list(COUNTRIES)
        nationalities = _weighted(rng, countries, [COUNTRIES[c][0] for c in countries], self.count)
        titles = _weighted(rng, TITLES, [t[1] for t in TITLES], self.count)
        cases = []
        for i in range(self.count):
            state = states[i]
            low, high = ages[state]
            created = now - int(rng.uniform(low, high) * DAY) - rng.randrange(3600)
            title = titles[i]
            employer = None
            if title[0] != "20a" and rng.random() < 0.6:
                r = rng.random()
                if r < 0.005 * 1 / 0.6:
                    employer = self.pools.demo_employer
                elif r < 0.2:
                    employer = self.pools.employers[rng.randrange(min(20, len(self.pools.employers)))]
                else:
                    employer = self.pools.employers[rng.randrange(len(self.pools.employers))]
            path = PATHS[state]
            # Moments of the transitions: spread over the case's age, the last one a little before now.
            span = max(now - created - 600, 600)
            marks = sorted(rng.random() for _ in path)
            moments = [created + int(span * (0.05 + 0.9 * m)) for m in marks]
            cases.append({"state": state, "created": created, "title": title, "nat": nationalities[i],
                          "employer": employer, "path": path, "moments": moments,
                          "has_user": employer is None or rng.random() < 0.9,
                          "accelerated": employer is not None and title[0] in ("18a", "18b", "18g")
                          and rng.random() < 0.15})
        for case in cases:
            self._plan_children(case)
        return cases

    def _plan_children(self, case: dict) -> None:
        rng, state = self.rng, case["state"]
        title_code = case["title"][0]
        submitted = case["moments"][0] if case["path"] else None
        case["submitted"] = submitted
        jobs = case["title"][2]
        case["job"] = jobs[rng.randrange(len(jobs))] if jobs else None
        case["place"] = CITIES[rng.randrange(len(CITIES))]
        # Documents: a draft has some, a submitted case its full set.
        kinds = ["passport", "degree_certificate", "cv", "language_certificate", "photo"]
        if case["job"]:
            kinds.append("employment_contract")
        if state == S.DRAFT:
            kinds = kinds[: rng.randrange(0, 4)]
        case["documents"] = kinds
        # Authority steps (the rules engine's shape): recognition while outstanding, visa, BA, register;
        # pre-approval for § 81a; the residence permit after entry.
        purposes = []
        if submitted is not None:
            if title_code not in ("20a",) and rng.random() < (0.5 if title_code in ACADEMIC_TITLES else 0.75):
                purposes.append("recognition")
            if case["accelerated"]:
                purposes += ["ba_approval", "pre_approval_81a", "visa"]
            else:
                purposes.append("visa")
                if title_code in ("18a", "19c", "16d1", "16d3") or (title_code == "18g" and rng.random() < 0.5):
                    purposes.append("ba_approval")
            purposes.append("register_check")
            if "report_entry" in case["path"]:
                purposes.append("residence_permit")
        case["purposes"] = purposes
        requests = []
        for purpose in purposes:
            requests.append(self._plan_request(case, purpose))
        case["requests"] = requests
        # Events: created, every transition, the authority events, now and then a message.
        events = 1 + len(case["path"])
        events += sum(1 + (r["answered"] is not None or r["acknowledged"] is not None) for r in requests)
        case["messages"] = 1 if submitted is not None and rng.random() < 0.3 else 0
        case["events"] = events + case["messages"]
        case["docrequest"] = state == S.DOCUMENTS_REQUESTED
        case["claimed"] = state in QUEUE_STATES and rng.random() < 0.3
        case["consent"] = None
        if case["employer"] is not None and case["has_user"]:
            r = rng.random()
            case["consent"] = "full" if r < 0.6 else ("status" if r < 0.8 else None)

    def _plan_request(self, case: dict, purpose: str) -> dict:
        rng, state, now = self.rng, case["state"], self.pools.now
        path, moments = case["path"], case["moments"]
        if purpose == "residence_permit":
            created = moments[path.index("report_entry")]
        else:
            created = case["submitted"]
        sent = created + rng.randrange(5, 600)
        sent = min(sent, now - 1)
        deadline = PURPOSE_DEADLINES.get(purpose)
        due = sent + deadline[0] * DAY if deadline else None
        request = {"purpose": purpose, "created": created, "sent": sent, "due": due, "deadline": deadline,
                   "state": "sent", "outcome": "", "answered": None, "acknowledged": None, "error": ""}
        elapsed = now - sent

        def answer(outcome, latest=None):
            limit = max(min(elapsed, (latest or now) - sent), 60)
            request["state"], request["outcome"] = "answered", outcome
            request["answered"] = sent + rng.randrange(60, max(61, int(limit)))

        if state == S.WITHDRAWN:
            withdrawn = moments[-1]
            if rng.random() < 0.5:
                request["state"], request["error"] = "failed", "case_closed"
            elif withdrawn > sent + 120:
                answer("approved", withdrawn)
        elif state in BEFORE_REVIEW:
            if purpose == "visa":
                request["state"], request["acknowledged"] = "acknowledged", sent + rng.randrange(60, 86400)
            elif rng.random() < 0.25:
                answer("approved")
        elif state == S.AUTHORITY_REVIEW:
            if purpose == "visa":
                request["state"], request["acknowledged"] = "acknowledged", sent + rng.randrange(60, 86400)
            elif purpose == "ba_approval" or rng.random() < 0.35:
                # Open: the BA's deadline is sometimes past (deemed approval), the others' too.
                if due is not None and rng.random() < 0.5:
                    shift = rng.randrange(-10, 14) * DAY
                    request["sent"] = sent = now - deadline[0] * DAY + shift
                    request["due"] = sent + deadline[0] * DAY
            else:
                answer("approved")
        elif purpose == "residence_permit":
            if state in (S.PERMIT_ISSUED, S.CLOSED):
                answer("approved", moments[path.index("issue_permit")])
        elif purpose == "visa":
            if state in VISA_GRANTED_STATES:
                answer("approved", moments[path.index("grant_visa")])
            elif state == S.REJECTED:
                answer("rejected", moments[path.index("reject")])
            else:
                request["state"], request["acknowledged"] = "acknowledged", sent + rng.randrange(60, 86400)
        else:
            answer("approved", moments[path.index("refer_to_visa_decision")])
        if request["sent"] > now - 1:
            request["sent"] = now - 1
        return request

    # -- writing -----------------------------------------------------------------------------------
    def write(self, cursor) -> dict[str, int]:
        cases = self.plan_cases()
        counts = {
            "users": sum(c["has_user"] for c in cases),
            "persons": len(cases), "cases": len(cases),
            "employments": sum(c["job"] is not None for c in cases),
            "details": sum(c["employer"] is not None for c in cases),
            "consents": sum(c["consent"] is not None for c in cases),
            "documents": sum(len(c["documents"]) for c in cases),
            "requests": sum(len(c["requests"]) for c in cases),
            "docrequests": sum(c["docrequest"] for c in cases),
            "assignments": sum(c["claimed"] for c in cases),
            "events": sum(c["events"] for c in cases),
        }
        counts["outbox"] = counts["requests"]
        ids = {name: Ids(cursor, TABLES[name][0], n) for name, n in counts.items()}
        hexes = os.urandom(16 * (counts["users"] + 2 * len(cases) + counts["documents"] + counts["requests"]
                                 + counts["docrequests"])).hex()
        self._hex = iter(range(0, len(hexes), 32))
        self._hexes = hexes
        rows = {name: [] for name in TABLES}
        cursors = dict.fromkeys(TABLES, 0)

        def next_id(name):
            value = ids[name][cursors[name]]
            cursors[name] += 1
            return value

        for offset, case in enumerate(cases):
            self._render_case(self.first + offset, case, rows, next_id)
        for name, (table, columns) in TABLES.items():
            lines = rows[name]
            if not lines:
                continue
            extra_columns, extra_values = _extra_columns(table, columns)
            with cursor.copy(f"COPY {table} ({columns}{extra_columns}) FROM STDIN") as copy:
                for start in range(0, len(lines), 5000):
                    chunk = lines[start:start + 5000]
                    if extra_values:
                        chunk = [line + extra_values for line in chunk]
                    copy.write("\n".join(chunk) + "\n")
        return counts

    def _uuid(self) -> str:
        start = next(self._hex)
        h = self._hexes[start:start + 32]
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    def _render_case(self, k: int, case: dict, rows: dict, next_id) -> None:  # noqa: C901 - one flat recipe
        rng, ts, pools = self.rng, self.clock.ts, self.pools
        state, created, nat = case["state"], case["created"], case["nat"]
        _share, surnames, given = COUNTRIES[nat]
        surname, given_names = surnames[rng.randrange(len(surnames))], given[rng.randrange(len(given))]
        email = f"seed{k}@{SEED_DOMAIN}"
        user_id = NULL
        if case["has_user"]:
            user_id = next_id("users")
            language = "en" if rng.random() < 0.7 else "de"
            rows["users"].append(
                f"{user_id}\t!\t{NULL}\tf\t{self._uuid()}\t{email}\t{given_names.title()} {surname.title()}\t"
                f"{language}\tf\tt\t{ts(created - 3600)}")
        person_id = next_id("persons")
        born = pools.now - int(rng.uniform(22, 50) * 365.25 * DAY)
        birth = datetime.fromtimestamp(born, tz=UTC).date().isoformat()
        passport = f"{'CPZNKM'[rng.randrange(6)]}{rng.randrange(10 ** 7, 10 ** 8)}"
        expiry = (date.fromtimestamp(pools.now) + timedelta(days=rng.randrange(200, 3000))).isoformat()
        state_code, city, postal = case["place"]
        rows["persons"].append(
            f"{person_id}\t{self._uuid()}\t{surname}\t{given_names}\t{birth}\t\t{'FMX'[rng.randrange(3) % 2]}\t{nat}\t"
            f"{passport}\t{nat}\t{expiry}\t{email}\t\t\t\t\t{nat}\t{ts(created - 3500)}\t{ts(created)}\t{user_id}")
        case_id = next_id("cases")
        case_uuid = self._uuid()
        moments = case["moments"]
        last_moment = moments[-1] if moments else created
        year = datetime.fromtimestamp(created, tz=UTC).year
        reference = f"WSA-{year}-{self.plan.ref_offset + (k - self.plan.first) + 1:06d}"
        public_events = 1 + len(case["path"]) + case["messages"]
        public_events += sum((r["answered"] is not None) + (r["acknowledged"] is not None and r["purpose"] == "visa")
                             for r in case["requests"])
        version = 1 + public_events + (case["job"] is not None)
        closed_at = ts(moments[-1]) if state == S.CLOSED else NULL
        employer = case["employer"] if case["employer"] is not None else NULL
        title_code = case["title"][0]
        language = "en" if rng.random() < 0.6 else "de"
        rows["cases"].append(
            f"{case_id}\t{case_uuid}\t{reference}\t{title_code}\t{language}\t{_t(case['accelerated'])}\t{state}\t"
            f"{version}\t{ts(created)}\t{ts(last_moment)}\t"
            f"{ts(case['submitted']) if case['submitted'] else NULL}\t{closed_at}\t{user_id}\t{employer}\t{person_id}\t"
            f"{search_text_of(reference, surname, given_names, passport)}")
        if case["job"] is not None:
            job, isco = case["job"]
            low, high = case["title"][3]
            salary = rng.randrange(low, high, 500)
            start = (date.fromtimestamp(created) + timedelta(days=rng.randrange(60, 240))).isoformat()
            hours = "40.0" if rng.random() < 0.9 else "38.5"
            rows["employments"].append(
                f"{next_id('employments')}\t{job}\t\t{isco}\t\t{salary}.00\t{hours}\t"
                f"{start}\t{NULL if rng.random() < 0.7 else rng.choice([12, 24, 36])}\t{_t(rng.random() < 0.4)}\t"
                f"Hauptstraße {rng.randrange(1, 200)}\t{postal}\t{city}\t{state_code}\t{case_id}")
        if case["employer"] is not None:
            rows["details"].append(
                f"{next_id('details')}\tHR-{k:07d}\t{'academic' if title_code in ACADEMIC_TITLES else 'vocational'}\t"
                f"\t\t{ts(created)}\t{ts(created)}\t{case_id}\t{NULL}\t{case['employer']}")
        if case["consent"] is not None:
            rows["consents"].append(
                f"{next_id('consents')}\t{case['consent']}\t{ts(created + 7200)}\t{NULL}\t{case_id}\t{user_id}\t"
                f"{case['employer']}\t{person_id}")
        # Documents (rows only): uploaded before submission, checked a minute later.
        upload_until = case["submitted"] or (pools.now - 60)
        for kind in case["documents"]:
            document_uuid = self._uuid()
            at = created + rng.randrange(60, max(120, upload_until - created))
            meta = DOCUMENTS_BY_KIND[kind]
            state_value = "passed" if rng.random() < 0.9 else "needs_attention"
            hex_id = document_uuid.replace("-", "")
            rows["documents"].append(
                f"{next_id('documents')}\t{document_uuid}\t{kind}\tdocuments/{hex_id[:2]}/{hex_id}\t{meta[1]}\t"
                f"{os.urandom(32).hex()}\t{rng.randrange(80_000, 4_000_000)}\t{meta[2]}\t"
                f"{1 if meta[2] != 'application/pdf' else rng.randrange(1, 4)}\t{state_value}\t"
                f'{{"requirement": "{kind}"}}\t{ts(at)}\t{ts(at + 60)}\t{case_id}\t{person_id}\t{user_id}')
        # Authority requests, their outbox rows and events.
        events = rows["events"]
        caseworker = pools.caseworkers[k % len(pools.caseworkers)]
        events.append(f"{next_id('events')}\tcreated\t\tdraft\t{{}}\tf\t{ts(created)}\t{user_id}\t{case_id}")
        previous = "draft"
        for transition, at in zip(case["path"], moments, strict=True):
            target = TARGETS[transition]
            actor = user_id if transition in APPLICANT_TRANSITIONS else caseworker
            payload = f'{{"transition": "{transition}"}}'
            if transition == "request_documents":
                reason = DOC_REQUEST_REASONS[rng.randrange(len(DOC_REQUEST_REASONS))]
                due = at + 28 * DAY
                payload = (f'{{"transition": "request_documents", "reason": "{reason}", '
                           f'"deadline": "{self.clock.date(due)}"}}')
                rows["docrequests"].append(
                    f"{next_id('docrequests')}\t{self._uuid()}\t{reason}\tPlease upload the document again.\t"
                    f"{ts(due)}\t{ts(at)}\t{NULL}\t{case_id}\t{caseworker}")
            events.append(f"{next_id('events')}\ttransition\t{previous}\t{target}\t{payload}\tf\t{ts(at)}\t{actor}\t"
                          f"{case_id}")
            previous = target
        if case["claimed"]:
            rows["assignments"].append(f"{next_id('assignments')}\t{ts(last_moment)}\t{case_id}\t{caseworker}")
        for request in case["requests"]:
            self._render_request(case, case_id, case_uuid, request, rows, next_id)
        if case["messages"]:
            at = (case["submitted"] or created) + rng.randrange(60, 5 * DAY)
            events.append(f"{next_id('events')}\tmessage\t\t\t{{}}\tf\t{ts(min(at, pools.now - 1))}\t{user_id}\t"
                          f"{case_id}")

    def _render_request(self, case, case_id, case_uuid, request, rows, next_id) -> None:
        ts, pools = self.clock.ts, self.pools
        purpose = request["purpose"]
        authority = self._office(case, purpose)
        request_id = next_id("requests")
        request_uuid = self._uuid()
        deadline = request["deadline"]
        state = request["state"]
        failed = state == "failed"
        sent = request["sent"]
        due = request["due"]
        answered, acknowledged = request["answered"], request["acknowledged"]
        overdue_since = NULL
        if state in ("sent", "acknowledged") and due is not None and due < pools.now and not (deadline and deadline[2]):
            overdue_since = ts(due + 3600)
        updated = max(x for x in (sent, answered, acknowledged, request["created"]) if x is not None)
        outcome = request["outcome"]
        response = (f'{{"status": "answered", "outcome": "{outcome}"}}' if answered
                    else ('{"status": "acknowledged"}' if acknowledged else "{}"))
        rows["requests"].append(
            f"{request_id}\t{request_uuid}\t{purpose}\t{state}\t{outcome}\t{{}}\twsa:{case_uuid}:{purpose}\t"
            f"{ts(due) if due and not failed else NULL}\t{deadline[1] if deadline else ''}\t"
            f"{_t(bool(deadline and deadline[2]))}\tf\t{overdue_since}\t{0 if failed else 1}\t{request['error']}\t\t"
            f"{{}}\t{response}\t{'' if failed else 'seed-' + request_uuid[:8] + request_uuid[9:13]}\t"
            f"{ts(request['created'])}\t{ts(updated)}\t{NULL if failed else ts(sent)}\t"
            f"{ts(acknowledged) if acknowledged else NULL}\t{ts(answered) if answered else NULL}\t{authority}\t"
            f"{case_id}")
        outbox_state = "dead" if failed else "delivered"
        rows["outbox"].append(
            f"{next_id('outbox')}\t{outbox_state}\t1\t{NULL}\t{'case withdrawn' if failed else ''}\t"
            f"{ts(request['created'])}\t{NULL if failed else ts(sent)}\t{request_id}")
        events = rows["events"]
        status = "failed" if failed else "sent"
        events.append(
            f'{next_id("events")}\tauthority\t\t\t{{"purpose": "{purpose}", "status": "{status}", '
            f'"request": "{request_uuid}"}}\tt\t{ts(sent)}\t{NULL}\t{case_id}')
        if answered:
            events.append(
                f'{next_id("events")}\tauthority\t\t\t{{"purpose": "{purpose}", "outcome": "{outcome}", '
                f'"status": "answered", "request": "{request_uuid}"}}\tf\t{ts(answered)}\t{NULL}\t{case_id}')
        elif acknowledged:
            internal = "f" if purpose == "visa" else "t"
            events.append(
                f'{next_id("events")}\tauthority\t\t\t{{"purpose": "{purpose}", "status": "acknowledged", '
                f'"request": "{request_uuid}"}}\t{internal}\t{ts(acknowledged)}\t{NULL}\t{case_id}')

    def _office(self, case: dict, purpose: str) -> int:
        pools = self.pools
        if purpose == "visa":
            return pools.visa_office[case["nat"]]
        if purpose == "ba_approval":
            return pools.ba
        if purpose == "register_check":
            return pools.register
        if purpose == "recognition":
            isco = case["job"][1] if case["job"] else "2"
            return pools.zab if isco.startswith("2") else pools.fosa
        return pools.abh[case["place"][0]]


DOCUMENTS_BY_KIND = {kind: (kind, name, content_type) for kind, name, content_type in DOCUMENTS}
_EXTRA_COLUMNS: dict[str, tuple[str, str]] = {}


def _copy_text(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return _t(value)
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _extra_columns(table: str, columns: str) -> tuple[str, str]:
    """Columns of `table` the generator does not know (added to the models later): written with
    each field's default, so that a new NOT NULL column does not break the seed."""
    if table not in _EXTRA_COLUMNS:
        from django.apps import apps

        known = {c.strip() for c in columns.split(",")}
        model = next(m for m in apps.get_models() if m._meta.db_table == table)
        names, values = [], []
        for field in model._meta.concrete_fields:
            if field.column in known:
                continue
            default = field.get_default() if field.has_default() or field.null else None
            names.append(field.column)
            values.append(_copy_text(field.get_prep_value(default) if default is not None else None))
        _EXTRA_COLUMNS[table] = ("".join(f", {n}" for n in names), "".join(f"\t{v}" for v in values))
    return _EXTRA_COLUMNS[table]


# --- the batches, run by worker processes -------------------------------------------------------------


def _session_setup(cursor) -> bool:
    """Per-session settings for a fast load; returns whether foreign-key checks are skipped."""
    cursor.execute("SET synchronous_commit = off")
    try:
        with transaction.atomic():
            cursor.execute("SET session_replication_role = replica")
        return True
    except Exception:  # not a superuser: the foreign keys are checked row by row, slower but fine
        return False


def run_batches(pools: Pools, plans: list[Plan], jobs: list[tuple[int, int, int, int]], queue, *,
                 forked: bool = True) -> None:
    """Writes each (segment, batch, first, count) job in its own transaction (in a worker process,
    or in this one with --workers 1)."""
    if forked:
        connections.close_all()
    plan_of = {plan.segment: plan for plan in plans}
    with connection.cursor() as cursor:
        _session_setup(cursor)
        try:
            _write_jobs(cursor, pools, plan_of, jobs, queue)
        finally:
            if not forked:
                cursor.execute("RESET session_replication_role")
                cursor.execute("RESET synchronous_commit")
    queue.put(None)


def _write_jobs(cursor, pools, plan_of, jobs, queue) -> None:
    for segment, batch, first, count in jobs:
        began = time.monotonic()
        with transaction.atomic():
            cursor.execute(f"SELECT 1 FROM {BATCH_TABLE} WHERE segment = %s AND first_case = %s",  # noqa: S608
                           [segment, first])
            if cursor.fetchone():
                continue
            counts = BatchWriter(pools, plan_of[segment], batch, first, count).write(cursor)
            cursor.execute(
                f"INSERT INTO {BATCH_TABLE} (segment, batch, first_case, cases, rows, finished_at) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s, now())", [segment, batch, first, count, sum(counts.values())])
        queue.put((count, sum(counts.values()), time.monotonic() - began))


class Collected:
    """The progress reports of in-process batches (what the worker processes put on their queue)."""

    def __init__(self):
        self.items: list[tuple[int, int]] = []

    def put(self, item) -> None:
        if item is not None:
            self.items.append(item[:2])
