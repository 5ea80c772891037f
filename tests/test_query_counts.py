"""Every main page of every portal needs a number of SQL queries that does not grow with the data.

Each page is loaded once on a small data set and once after the data has grown several times (more
cases of the applicant, more documents, events, messages and authority requests per case, more
cases in the queues and on the employer's dashboard); both loads must stay within the same bound
(PAGE_QUERY_BOUND, sessions and authentication included), and the second may not need more
queries than the first. A first request after login is made before counting: it may write the
session (last-activity stamps), which is not what these tests are about. The request counted is the
first after a change of the cases (`count`): nothing rendered of a case comes from the cache.
"""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import ApiScope, ConsentScope, Membership, OrganisationKind, Role
from applications import services
from applications.models import LanguageSkill, Message, Qualification
from documents.models import Document, Finding
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

# The back-office case file is the largest page: case, person, documents, requests, steps, appointments,
# timeline, decisions, the family applying together, the representatives in force and the visa fee.
PAGE_QUERY_BOUND = 18
# The caseworker workspace shows the rules engine's conditions checklist beside the person's data, which
# needs the person's qualifications, language skills and work experience: two reads more than the case
# file had (the employment and the extension come with the case's own row); still constant in the data.
WORKSPACE_QUERY_BOUND = PAGE_QUERY_BOUND + 2
SUBMITTED_PATH = ["submit", "start_completeness_check", "start_authority_review"]
# The first rendering after a change (issue #25), sessions and authentication included: the case page
# (the case with its extension link, the requests with their offices, the active booking, the fees —
# each read once for the tracker, the appointment and the fee sections —, the viewer's memberships,
# the timeline), the status fragment (the same, without the page's own sections, plus the version
# before and after its cache entry is written) and the caseworker workspace.
CASE_PAGE_FIRST_RENDERING = 7
STATUS_FIRST_RENDERING = 9
WORKSPACE_FIRST_RENDERING = 19


@pytest.fixture(autouse=True)
def _quiet(settings, tmp_path, monkeypatch):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    settings.WSA_WEBHOOKS_SEND_EAGER = False
    monkeypatch.setattr("documents.services._queue_check", lambda document_id, **options: None, raising=False)


def _totp(user):
    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}})
    return user


class World:
    """Offices, staff, an employer with a token, an applicant and cases; `grow()` adds more of each."""

    def __init__(self):
        from applications.demo_procedure import seed_authority_offices
        from authorities.models import Authority, AuthorityKind

        self.orgs = {}
        for key, kind, name, authority_kind, extra in [
            ("wsa", OrganisationKind.WSA, "Work-and-Stay-Agentur", None, {}),
            ("ba", OrganisationKind.BA, "Bundesagentur für Arbeit – ZAV", AuthorityKind.BA, {}),
            ("visa", OrganisationKind.VISA_OFFICE, "Deutsche Botschaft Neu-Delhi", AuthorityKind.VISA_OFFICE,
             {"countries": ["IND"]}),
            ("abh", OrganisationKind.FOREIGNERS_AUTHORITY, "Landesamt für Einwanderung Berlin",
             AuthorityKind.FOREIGNERS_AUTHORITY, {"federal_state": "BE"}),
            ("zab", OrganisationKind.RECOGNITION_BODY, "ZAB", AuthorityKind.RECOGNITION_BODY,
             {"occupation_groups": ["2"]}),
        ]:
            organisation = OrganisationFactory(kind=kind, name=name)
            if authority_kind:
                Authority.objects.create(kind=authority_kind, name=name, organisation=organisation, **extra)
            self.orgs[key] = organisation
        seed_authority_offices()  # the register and more visa offices, as in the demo
        self.staff = {}
        for key, org, role in [("caseworker", "wsa", Role.CASEWORKER), ("supervisor", "wsa", Role.SUPERVISOR),
                               ("ba", "ba", Role.CASEWORKER), ("visa", "visa", Role.CASEWORKER)]:
            user = _totp(UserFactory())
            Membership.objects.create(user=user, organisation=self.orgs[org], role=role)
            self.staff[key] = user
        self.employer = OrganisationFactory(kind=OrganisationKind.EMPLOYER, name="Muster Software GmbH",
                                            ba_company_number="12345678")
        self.owner = _totp(UserFactory(preferred_language="en"))
        Membership.objects.create(user=self.owner, organisation=self.employer, role=Role.EMPLOYER_OWNER)
        _token, self.api_token = account_services.api_token_create(
            organisation=self.employer, actor=self.owner, name="HR", scopes=[ApiScope.CASES_READ])
        self.applicant = UserFactory(preferred_language="en")
        self.person = PersonFactory(user=self.applicant, surname="SHARMA", given_names="PRIYA",
                                    birth_date=date(1994, 3, 14), nationality="IND", passport_number="Z1234567",
                                    passport_issuing_state="IND", passport_expiry=date.today() + timedelta(days=900),
                                    city="Bengaluru", country_of_residence="IND")
        self._profile(self.person)
        self.cases = []
        self.draft = None
        self.grow(applicant_cases=2, other_cases=3, documents=2, messages=1)

    @staticmethod
    def _profile(person):
        Qualification.objects.create(person=person, kind="academic", title="B.Tech", recognition="none",
                                     comparable=False, country="IND")
        LanguageSkill.objects.create(person=person, language="en", level="C1")

    def _case(self, person, *, actor, employer=None, path=SUBMITTED_PATH, documents=0, messages=0):
        case = services.case_create(person=person, actor=actor, title_code="18b", employer=employer,
                                    procedure_language="en")
        services.employment_set(case=case, actor=actor, job_title="Developer", occupation_isco="2512",
                                annual_gross_salary=Decimal("58000.00"), weekly_hours=Decimal("40.0"),
                                start_date=date.today() + timedelta(days=90), workplace_city="Berlin",
                                workplace_state="BE")
        for i in range(documents):
            document = Document.objects.create(
                owner=person, case=case, document_type="passport" if i == 0 else "other", file=f"x/{uuid.uuid4()}",
                original_name=f"doc-{i}.pdf", sha256="0" * 64, size=1000, content_type="application/pdf",
                state="needs_attention" if i % 2 else "passed", uploaded_by=person.user,
                extracted={"requirement": "passport" if i == 0 else ""})
            Finding.objects.create(document=document, code="mrz_unreadable", severity="warning")
        for transition in path:
            services.case_transition(case=case, transition=transition,
                                     actor=person.user if transition == "submit" else self.staff["caseworker"])
        for _ in range(messages):
            services.message_post(case=case, author=person.user or self.staff["caseworker"], body="Hello")
            Message.objects.create(case=case, author=self.staff["caseworker"], body="Note", internal=True)
        return case

    def grow(self, *, applicant_cases, other_cases, documents, messages):
        for _ in range(applicant_cases):
            self.cases.append(self._case(self.person, actor=self.applicant, employer=self.employer,
                                         documents=documents, messages=messages))
        draft = self._case(self.person, actor=self.applicant, path=[], documents=documents)
        self.draft = self.draft or draft
        for i in range(other_cases):
            person = PersonFactory(user=UserFactory(), surname=f"PATEL{i}", nationality="IND")
            self._profile(person)
            case = self._case(person, actor=person.user, employer=self.employer, path=SUBMITTED_PATH[: 1 + i % 3],
                              documents=documents, messages=messages)
            if i % 2:
                services.case_consent_set(case=case, actor=person.user, scope=ConsentScope.FULL)
            if i % 3 == 0:
                services.case_claim(case=case, actor=self.staff["caseworker"])
        # Cases of nobody the viewers know: more rows everywhere else.
        for _ in range(other_cases):
            CaseFactory(title_code="18a")
        self._appointments(slots=other_cases * 4)
        from applications.services import statistics_refresh

        statistics_refresh()

    def _appointments(self, *, slots):
        """The visa office has the visa requests, publishes slots, and the other applicants book some."""
        from authorities import appointments
        from authorities.models import AppointmentSlot, Authority, AuthorityRequest

        AuthorityRequest.objects.filter(purpose="visa", state="pending", authority__isnull=False).update(
            state="sent", sent_at=timezone.now())
        office = Authority.objects.get(organisation=self.orgs["visa"])
        last = AppointmentSlot.objects.filter(authority=office).order_by("-starts_at").first()
        start = last.starts_at if last else timezone.now().replace(minute=0, second=0, microsecond=0)
        new = AppointmentSlot.objects.bulk_create(
            AppointmentSlot(authority=office, starts_at=start + timedelta(hours=i + 1),
                            ends_at=start + timedelta(hours=i + 1, minutes=30), capacity=2) for i in range(slots))
        waiting = [c for c in type(self.cases[0]).objects.filter(person__surname__startswith="PATEL",
                                                                 authority_requests__purpose="visa",
                                                                 authority_requests__state="sent")
                   .exclude(appointment_bookings__state="active")]
        for case, slot in zip(waiting, new, strict=False):
            appointments.appointment_book(case=case, slot_id=slot.public_id, actor=case.person.user)

    def grow_a_lot(self):
        self.grow(applicant_cases=4, other_cases=12, documents=5, messages=3)


@pytest.fixture
def world(db):
    return World()


def count(client, url, **extra) -> int:
    """The queries of the first view after a change: every case's version counted on, so that nothing
    rendered of a case is found in the cache, and the status poll's entries forgotten (a conditional
    poll is then answered by the database path). What does not depend on a case (sessions, the rule
    figures) stays cached, as it does when a case changes."""
    from django.db.models import F

    from applications import status_poll
    from applications.models import Case

    client.get(url, **extra)  # the first request after login may write the session
    if "HTTP_IF_NONE_MATCH" not in extra:
        Case.objects.update(version=F("version") + 1)
    else:  # the browser holds the fragment of the case's current version
        extra = {**extra, "HTTP_IF_NONE_MATCH": client.get(url, HTTP_ACCEPT_LANGUAGE="en")["ETag"]}
    status_poll.forget(*Case.objects.values_list("public_id", flat=True))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code in (200, 304), (url, response.status_code)
    return len(queries)


def pages(world):
    """(who, url, extra headers) of the main pages of every portal."""
    case = world.cases[0]
    status = reverse("applicant:case_status", args=[case.public_id])
    etag = {"HTTP_IF_NONE_MATCH": "the ETag of the case's current version"}  # count() asks for it
    steps = ["title", "personal", "qualification", "languages", "employment", "documents", "check"]
    other = world.cases[-1]
    return [
        ("applicant", reverse("applicant:home"), {}),
        ("applicant", reverse("applicant:case_detail", args=[case.public_id]), {}),
        ("applicant", status, {}),
        ("applicant", status, etag),
        ("applicant", reverse("applicant:documents"), {}),
        *[("applicant", reverse("applicant:apply_step", args=[world.draft.public_id, step]), {}) for step in steps],
        ("owner", reverse("employer:home"), {}),
        ("owner", reverse("employer:case_detail", args=[other.public_id]), {}),
        ("caseworker", reverse("backoffice:home"), {}),
        ("caseworker", reverse("backoffice:home") + "?state=all", {}),
        ("caseworker", reverse("backoffice:home") + "?q=PATEL", {}),
        ("ba", reverse("backoffice:home"), {}),
        ("caseworker", reverse("backoffice:case_detail", args=[other.public_id]), {}),
        ("supervisor", reverse("backoffice:statistics"), {}),
        ("caseworker", reverse("authorities:board"), {}),
        ("visa", reverse("authorities:appointment_slots"), {}),
        ("applicant", reverse("applicant:case_appointment", args=[case.public_id]), {}),
        ("anonymous", reverse("finder:start"), {}),
        ("anonymous", reverse("finder:step", args=["languages"]), {}),
        ("api", "/api/v1/cases?page_size=100", {}),
    ]


def login(client, world, who):
    client.logout()
    client.defaults.pop("HTTP_AUTHORIZATION", None)
    if who == "applicant":
        client.force_login(world.applicant)
    elif who == "owner":
        client.force_login(world.owner)
    elif who == "api":
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {world.api_token}"
    elif who != "anonymous":
        client.force_login(world.staff[who])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_every_main_page_needs_the_same_few_queries_whatever_the_data(client, world):
    before = {}
    for index, (who, url, extra) in enumerate(pages(world)):
        login(client, world, who)
        before[index] = count(client, url, **extra)
    world.grow_a_lot()
    problems = []
    for index, (who, url, extra) in enumerate(pages(world)):
        login(client, world, who)
        after = count(client, url, **extra)
        bound = WORKSPACE_QUERY_BOUND if "/backoffice/cases/" in url else PAGE_QUERY_BOUND
        if not (before[index] <= bound and after <= bound and after <= before[index]):
            problems.append(f"{who} {url} {sorted(extra)}: {before[index]} queries, then {after} with more data")
    assert problems == [], "\n".join(problems)


def test_a_warm_status_poll_answers_304_without_touching_the_database(client, world, django_assert_num_queries):
    """The poll every 5 s: session, ownership and version come from the cache (Redis in production);
    nothing is read from the database."""
    case = world.cases[0]
    client.force_login(world.applicant)
    url = reverse("applicant:case_status", args=[case.public_id])
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    etag = first["ETag"]
    with django_assert_num_queries(0):
        response = client.get(url, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 304 and response["ETag"] == etag
    assert "Cookie" in response["Vary"] and response["Cache-Control"] == "private, no-cache"
    # A change of the case (an event) changes the ETag, and the fragment is sent again.
    services.message_post(case=case, author=world.staff["caseworker"], body="News")
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_LANGUAGE="en")
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_a_cold_status_poll_reads_the_version_once_and_fills_the_cache(client, world):
    """After the cache lost its entries (a restart of Redis, a change of the case): session, user and the
    case's version by index, read once more after the cache entry is written (so that a change that
    committed in between never leaves a stale version behind); the next poll is cache-only again."""
    from django.core.cache import cache

    case = world.cases[0]
    client.force_login(world.applicant)
    url = reverse("applicant:case_status", args=[case.public_id])
    etag = client.get(url, HTTP_ACCEPT_LANGUAGE="en")["ETag"]
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 304
    tables = [q["sql"].split(" FROM ")[1].split()[0].strip('"') for q in queries.captured_queries
              if q["sql"].startswith("SELECT")]
    assert tables == ["django_session", "accounts_user", "applications_case", "applications_case"], tables
    assert "version" in queries.captured_queries[-1]["sql"] and "public_id" in queries.captured_queries[-1]["sql"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_LANGUAGE="en").status_code == 304
    assert len(queries) == 0


def test_statistics_are_read_from_the_snapshot_not_aggregated_per_view(client, world):
    client.force_login(world.staff["supervisor"])
    url = reverse("backoffice:statistics")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "applications_event" not in sql and "COUNT(" not in sql.upper()
    assert "applications_statisticssnapshot" in sql
    assert timezone.now()  # the snapshot is refreshed by the beat task applications.tasks.statistics_refresh


def test_the_first_uncached_view_of_the_case_page_after_a_change_needs_the_same_few_queries(client, world):
    """The cold path: the first view of a case page after its case changed renders the status fragment
    anew (nothing of it cached); its queries are pinned too, not only those of the cached repeat."""
    from django.core.cache import cache

    case = world.cases[0]
    urls = [reverse("applicant:case_detail", args=[case.public_id]),
            reverse("applicant:case_status", args=[case.public_id])]

    def first_view(url) -> int:
        login(client, world, "applicant")
        client.get(reverse("applicant:home"))  # the first request after login may write the session
        services.message_post(case=case, author=world.staff["caseworker"], body="News")  # a new version
        version = type(case).objects.get(pk=case.pk).version
        assert not any(key for key in [f"wsa:case-status:{case.public_id}:{version}:en:{i}" for i in (0, 1)]
                       if cache.get(key) is not None)  # nothing of this version is cached yet
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200 and f"{case.public_id}-v{version}-en" in (
            response.get("ETag", "") + response.content.decode())
        return len(queries)

    before = [first_view(url) for url in urls]
    world.grow_a_lot()
    after = [first_view(url) for url in urls]
    bounds = [CASE_PAGE_FIRST_RENDERING, STATUS_FIRST_RENDERING]
    for url, bound, cold, cold_later in zip(urls, bounds, before, after, strict=True):
        assert cold <= bound and cold_later <= cold, (url, cold, cold_later)


def test_the_caseworker_workspace_after_a_change_needs_the_same_few_queries(client, world):
    """The workspace caches nothing: every view of it is a first rendering. Pinned after a change of
    the case, on the small and on the grown data set."""
    case = world.cases[0]
    url = reverse("backoffice:case_detail", args=[case.public_id])

    def first_view() -> int:
        login(client, world, "caseworker")
        client.get(reverse("backoffice:home"))  # the first request after login may write the session
        services.message_post(case=case, author=world.applicant, body="News")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200 and b"News" in response.content
        return len(queries)

    cold = first_view()
    world.grow_a_lot()
    cold_later = first_view()
    assert cold <= WORKSPACE_FIRST_RENDERING and cold_later <= cold, (cold, cold_later)


@pytest.mark.parametrize("who", ["applicant", "owner", "caseworker"])
def test_a_page_of_plain_text_reads_only_the_signed_in_user(client, world, who):
    """The imprint in the portal's layout: the session and its user, nothing about the user's roles (the
    layout shows none; reading the memberships for it cost every page a statement, issue #25)."""
    login(client, world, who)
    client.get(reverse("imprint"))  # the first request after login may write the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("imprint"))
    assert response.status_code == 200
    assert not any("accounts_membership" in query["sql"] for query in queries.captured_queries), [
        query["sql"][:120] for query in queries.captured_queries]
