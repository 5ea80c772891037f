"""Two symmetric worlds for the access matrix.

Side "A": the applicant's case (employer "own", full consent, in `visa_decision`, with a request to every
kind of authority office, so that every caseworker may read it), their documents, an issued and a
pending decision, messages, profile entries and a draft; the employer's own draft case, colleague
invitation, API token and webhook. Side "B": the same for the other applicant and the other employer,
except that no authority office has a request on it (only the WSA, supervisors and admins see it).

Every actor has a TOTP authenticator where the portal demands one, and a session that re-authenticated
just now, so that the matrix is about who may see what, not about the second-factor or re-auth prompts
(those have their own tests in test_auth_hardening.py).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from accounts import invitation_links
from accounts import services as account_services
from accounts.models import ApiScope, ConsentScope, Membership, OrganisationKind, Role
from applications import household as household_services
from applications import services
from applications.employer import services as employer_services
from applications.mandates import services as mandate_services
from applications.mandates.models import MandateScope
from applications.mandates.tokens import client_invitation_token
from applications.models import (
    Decision,
    FeeDue,
    FictionCertificate,
    Message,
    Payment,
    Qualification,
    Relationship,
    ResidenceTitle,
    WorkExperience,
)
from applications.titles.share_codes import share_code_create
from documents.models import Document, DocumentType
from tests.auth import give_totp, reauthenticated
from tests.factories import EmploymentFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.procedure import walk

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TO_VISA_DECISION = ["submit", "start_completeness_check", "start_authority_review", "refer_to_visa_decision"]

ACTORS = ("anon", "applicant", "other_applicant", "owner", "member", "other_employer", "rep", "other_rep",
          "wsa", "ba", "visa", "abh", "zab", "supervisor", "admin")


@dataclass
class Side:
    case: object = None
    draft: object = None
    employer_draft: object = None
    document: object = None
    library_document: object = None
    issued_decision: object = None
    pending_decision: object = None
    qualification: object = None
    experience: object = None
    organisation: object = None
    member: object = None
    member_invitation: object = None
    member_invitation_token: str = ""
    representative_invitation: object = None
    client_invitation: object = None
    candidate_invitation_token: str = ""
    api_token: object = None
    api_token_raw: str = ""
    read_only_token_raw: str = ""
    webhook: object = None
    ba_request: object = None
    requests: dict = field(default_factory=dict)
    slot: object = None  # an appointment slot: A's at the visa office of the matrix, B's at another one
    booking: object = None  # the side's case booked on its slot
    payment: object = None  # an attempt to pay the case's (paid) fee, still open at the simulated bank
    fee: object = None  # the case's paid visa fee
    employer_fee: object = None  # the case's paid § 81a fee
    title: object = None  # the applicant's residence title (a Blue Card naming the side's employer)
    certificate: object = None  # a Fiktionsbescheinigung continuing that title
    share_code: object = None  # a right-to-work code for the title
    family_member: object = None  # a spouse in the applicant's household, without a login
    family_case: object = None  # the spouse's draft, joining the side's case
    family_invitation_token: str = ""
    representative: object = None  # the side's relocation agency (its owner: actor "rep" / "other_rep")
    representative_user: object = None
    mandate: object = None  # the applicant's mandate to it: act, decisions, for the side's case only
    employer_mandate: object = None  # the employer's read-only mandate to it, for all the employer's cases
    client_invitation_token: str = ""


@dataclass
class World:
    users: dict
    offices: dict
    a: Side
    b: Side
    clients: dict = field(default_factory=dict)

    def side(self, name: str) -> Side:
        return self.a if name == "A" else self.b

    def client(self, actor: str) -> Client:
        if actor not in self.clients:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            if actor != "anon":
                client.force_login(self.users[actor])
                reauthenticated(client)
            self.clients[actor] = client
        return self.clients[actor]


def _verified(email: str, **extra):
    user = UserFactory(email=email, **extra)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _document(person, *, case=None, kind=DocumentType.PASSPORT, name="passport.pdf", uploader=None, extracted=None):
    document = Document(owner=person, case=case, document_type=kind, original_name=name, size=len(PDF),
                        sha256=hashlib.sha256(PDF).hexdigest(), content_type="application/pdf",
                        state=Document.State.PASSED, extracted=extracted or {}, uploaded_by=uploader)
    document.file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(PDF), save=True)
    return document


def _decision(case, *, kind, outcome, status, decided_by):
    decision = Decision(case=case, kind=kind, outcome=outcome, status=Decision.Status.DRAFT, decided_by=decided_by,
                        legal_basis="§ 18g Abs. 1 AufenthG", reasons="Gründe" if outcome == "rejected" else "")
    decision.save()
    if status == Decision.Status.ISSUED:
        decision.pdf.save(f"{case.reference}-{decision.public_id.hex[:8]}.pdf", ContentFile(PDF), save=False)
        decision.sha256 = hashlib.sha256(PDF).hexdigest()
        decision.verification_code = uuid.uuid4().hex[:22]
        decision.issued_at = timezone.now()
    decision.status = status
    decision.save()
    return decision


def _request(case, office, purpose):
    from authorities.models import AuthorityRequest

    return AuthorityRequest.objects.create(
        case=case, authority=office.authority, purpose=purpose, state="sent", idempotency_key=uuid.uuid4().hex,
        due_at=timezone.now() + timedelta(days=14), sent_at=timezone.now())


def _title_with_certificate(side, *, issued_by):
    title = ResidenceTitle.objects.create(
        holder=side.case.person, case=side.case, kind="eu_blue_card", title_code="18g", legal_basis="§ 18g AufenthG",
        employer=side.organisation, valid_from=date.today() - timedelta(days=400),
        valid_until=date.today() + timedelta(days=60), issued_by=issued_by)
    certificate = FictionCertificate(case=side.case, title=title, issued_at=timezone.now(),
                                     verification_code=uuid.uuid4().hex[:22], sha256=hashlib.sha256(PDF).hexdigest())
    certificate.pdf.save(f"{uuid.uuid4().hex}.pdf", ContentFile(PDF), save=True)
    return title, certificate


def build_world() -> World:
    from authorities.models import Authority, AuthorityRequest

    offices = {}
    for key, kind in [("wsa", OrganisationKind.WSA), ("ba", OrganisationKind.BA),
                      ("visa", OrganisationKind.VISA_OFFICE), ("abh", OrganisationKind.FOREIGNERS_AUTHORITY),
                      ("zab", OrganisationKind.RECOGNITION_BODY)]:
        offices[key] = OrganisationFactory(kind=kind, name=f"Office {key}")
        if kind != OrganisationKind.WSA:
            Authority.objects.create(kind=kind, name=f"Office {key}", organisation=offices[key])
    own_org = OrganisationFactory(name="Own Employer GmbH")
    other_org = OrganisationFactory(name="Other Employer AG")

    users = {
        "applicant": _verified("applicant@matrix.example"),
        "other_applicant": _verified("other.applicant@matrix.example"),
        "owner": give_totp(_verified("owner@matrix.example")),
        "member": _verified("member@matrix.example"),
        "other_employer": give_totp(_verified("other.owner@matrix.example")),
        "other_member": _verified("other.member@matrix.example"),
        "admin": give_totp(_verified("admin@matrix.example", is_staff=True, is_superuser=True)),
    }
    Membership.objects.create(user=users["owner"], organisation=own_org, role=Role.EMPLOYER_OWNER)
    Membership.objects.create(user=users["member"], organisation=own_org, role=Role.EMPLOYER_MEMBER)
    Membership.objects.create(user=users["other_employer"], organisation=other_org, role=Role.EMPLOYER_OWNER)
    Membership.objects.create(user=users["other_member"], organisation=other_org, role=Role.EMPLOYER_MEMBER)
    Membership.objects.create(user=users["admin"], organisation=offices["wsa"], role=Role.ADMIN)
    for key in ("wsa", "ba", "visa", "abh", "zab"):
        users[key] = give_totp(_verified(f"caseworker.{key}@matrix.example"))
        Membership.objects.create(user=users[key], organisation=offices[key], role=Role.CASEWORKER)
    for key, email in (("rep", "rep@matrix.example"), ("other_rep", "other.rep@matrix.example")):
        users[key] = give_totp(_verified(email))
    users["supervisor"] = give_totp(_verified("supervisor@matrix.example"))
    Membership.objects.create(user=users["supervisor"], organisation=offices["wsa"], role=Role.SUPERVISOR)

    sides = {}
    for name, applicant, owner, organisation, colleague in [
        ("A", users["applicant"], users["owner"], own_org, users["member"]),
        ("B", users["other_applicant"], users["other_employer"], other_org, users["other_member"]),
    ]:
        side = Side(organisation=organisation, member=colleague)
        person = PersonFactory(user=applicant, surname="SHARMA" if name == "A" else "OKAFOR", given_names="X",
                               nationality="IND", street="MG Road 1", city="Bengaluru", country_of_residence="IND")
        side.qualification = Qualification.objects.create(person=person, kind="academic", title="B.Tech",
                                                          recognition="full", comparable=True, country="IND")
        side.experience = WorkExperience.objects.create(person=person, employer="Infosys", job_title="Developer",
                                                        started_on=date(2018, 1, 1))
        case = services.case_create(person=person, actor=applicant, employer=organisation, title_code="18g")
        EmploymentFactory(case=case, annual_gross_salary=Decimal("58000.00"), workplace_city="Berlin",
                          workplace_state="BE")
        services.case_consent_set(case=case, actor=applicant, scope=ConsentScope.FULL)
        walk(case, *TO_VISA_DECISION)
        AuthorityRequest.objects.filter(case=case).delete()  # routing's own requests; we place ours
        if name == "A":
            side.requests = {
                "ba": _request(case, offices["ba"], "ba_approval"),
                "visa": _request(case, offices["visa"], "visa"),
                "abh": _request(case, offices["abh"], "pre_approval_81a"),
                "zab": _request(case, offices["zab"], "recognition"),
            }
        else:
            # B's case has a request to nobody: only sees-all staff read it; the BA step id of A is reused
            # in B's URLs below (a request of another case must not open either).
            side.requests = {}
        side.case = case
        side.payment = Payment.objects.create(fee=FeeDue.objects.get(case=case), provider="simulated",
                                              amount_cents=7500)
        # The paid visa fee, charged by A's visa office (whose staff may record fees in person), and a paid
        # § 81a fee (the employer's) for the receipts.
        side.fee = FeeDue.objects.get(case=case, kind="visa")
        if name == "A":
            FeeDue.objects.filter(pk=side.fee.pk).update(office=offices["visa"].authority)
        side.employer_fee = FeeDue.objects.create(
            case=case, kind="accelerated_procedure", label="x", amount_cents=41100,
            source="§ 47 Abs. 1 Nr. 15 AufenthV", paid_at=timezone.now())
        side.document = _document(person, case=case, uploader=applicant)
        side.library_document = _document(person, uploader=applicant, extracted={
            "surname": person.surname, "given_names": "X", "passport_number": "Z1234567"})
        side.issued_decision = _decision(case, kind=Decision.Kind.RESIDENCE_PERMIT, outcome="granted",
                                         status=Decision.Status.ISSUED, decided_by=users["abh"])
        side.pending_decision = _decision(case, kind=Decision.Kind.VISA, outcome="rejected",
                                          status=Decision.Status.AWAITING_APPROVAL, decided_by=users["visa"])
        Message.objects.create(case=case, author=applicant, body="Hello case team")
        side.draft = services.case_create(person=person, actor=applicant, title_code="18b")
        side.family_member = household_services.household_member_add(
            actor=applicant, relationship=Relationship.SPOUSE, surname=person.surname, given_names="Y",
            birth_date=date(1992, 5, 1), nationality="IND")
        side.family_case = household_services.family_case_start(actor=applicant, member=side.family_member,
                                                                main_case=case)
        link = household_services.member_invitation_create(actor=applicant, member=side.family_member,
                                                           email=f"spouse.{name.lower()}@nobody.example")
        side.family_invitation_token = link.rstrip("/").rsplit("/", 1)[1]
        side.employer_draft, invitation = employer_services.employer_case_start(
            organisation=organisation, actor=owner, given_names="Cand", surname="Idate",
            email=f"candidate.{name.lower()}@nobody.example",
            employment={"job_title": "Developer", "annual_gross_salary": Decimal("58000"),
                        "weekly_hours": Decimal("40"), "workplace_city": "Berlin", "workplace_state": "BE"},
            details={"employer_reference": f"REQ-{name}"}, title_code="18a")
        side.candidate_invitation_token = invitation_links.invitation_token(invitation=invitation, kind="candidate")
        side.member_invitation = account_services.member_invitation_create(
            organisation=organisation, actor=owner, email=f"invitee.{name.lower()}@nobody.example")
        side.member_invitation_token = invitation_links.invitation_token(invitation=side.member_invitation,
                                                                         kind="member")
        side.api_token, side.api_token_raw = account_services.api_token_create(
            organisation=organisation, actor=owner, name="HR", scopes=list(ApiScope.values))
        _read_only, side.read_only_token_raw = account_services.api_token_create(
            organisation=organisation, actor=owner, name="read only", scopes=[ApiScope.CASES_READ])
        side.webhook, _secret = account_services.webhook_endpoint_create(
            organisation=organisation, actor=owner, url="https://hr.example.com/hook")
        # The side's relocation agency: the applicant's mandate (act, decisions) for the case only, and
        # the employer's read-only mandate for all its cases; an invitation of a new client.
        side.representative_user = users["rep" if name == "A" else "other_rep"]
        side.representative = OrganisationFactory(kind=OrganisationKind.RELOCATION_AGENCY,
                                                  name=f"Relocation {name} GmbH", city="Berlin")
        Membership.objects.create(user=side.representative_user, organisation=side.representative,
                                  role=Role.REPRESENTATIVE_OWNER)
        side.representative_invitation = account_services.member_invitation_create(
            organisation=side.representative, actor=side.representative_user,
            email=f"colleague.{name.lower()}@nobody.example", role=Role.REPRESENTATIVE_MEMBER)
        side.mandate = mandate_services.mandate_grant(
            actor=applicant, person=person, representative=side.representative, scope=MandateScope.ACT,
            receives_decisions=True, cases=[case], confirmed=True)
        side.employer_mandate = mandate_services.mandate_grant(
            actor=owner, organisation=organisation, representative=side.representative, scope=MandateScope.READ,
            confirmed=True)
        _client_case, client_invitation = mandate_services.client_case_start(
            representative=side.representative, actor=side.representative_user, given_names="New",
            surname="Client", email=f"client.{name.lower()}@nobody.example", title_code="18b")
        side.client_invitation_token = client_invitation_token(invitation=client_invitation)
        side.client_invitation = client_invitation
        sides[name] = side
    from applications.audit import access_record

    access_record(actor=users["wsa"], case=sides["A"].case)  # one entry of the access log
    from authorities.models import AppointmentBooking, AppointmentSlot

    elsewhere = Authority.objects.create(kind="visa_office", name="Another visa office", countries=["XXX"])
    for side, office in ((sides["A"], offices["visa"].authority), (sides["B"], elsewhere)):
        starts = timezone.now() + timedelta(days=5)
        side.slot = AppointmentSlot.objects.create(authority=office, starts_at=starts,
                                                   ends_at=starts + timedelta(minutes=30), capacity=2, booked=1)
        visa = AuthorityRequest.objects.create(
            case=side.case, authority=office, purpose="visa", state="acknowledged", sent_at=timezone.now(),
            idempotency_key=uuid.uuid4().hex) if side is sides["B"] else side.requests["visa"]
        side.booking = AppointmentBooking.objects.create(slot=side.slot, case=side.case, request=visa)
    for side in (sides["A"], sides["B"]):
        side.title, side.certificate = _title_with_certificate(side, issued_by=offices["abh"].authority)
        side.share_code, _code = share_code_create(title=side.title, purpose="right_to_work", days=30)
    sides["B"].ba_request = sides["A"].requests["ba"]
    sides["A"].ba_request = sides["A"].requests["ba"]
    return World(users=users, offices=offices, a=sides["A"], b=sides["B"])
