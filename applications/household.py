"""Families: the main applicant's household, the family members' cases (§ 30 spouse, § 32 child
AufenthG) joined to the main case, the documents they share, and how the family cases travel with
the main case through the procedure.

Design of "travelling together": a family case is started as a draft joined to the main case
(Case.joins). Submitting the main case submits every joined draft that is complete
(procedure.after_transition calls family_after_transition); the household page's button submits
the complete ones later (a family joining a main case already submitted or issued). From then on
each case has its own completeness check, offices and decision:
- a family member's refusal never touches the main case;
- a family case's visa is granted only once the main applicant's visa is granted (or their title
  issued): a family member joins someone who holds a title (§ 29 Abs. 1 Nr. 1 AufenthG) and the
  family title does not outlast the sponsor's (§ 27 Abs. 4 AufenthG). Whether a visa for the
  family may be granted on the same day as the sponsor's is for the visa office; the portal takes
  the cautious order (the sponsor first).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from documents import services as document_services
from documents.models import Document, DocumentType

from . import rules, services
from .lifecycle import CaseState
from .models import FAMILY_TITLE, Case, Decision, Household, HouseholdMember, Person, Relationship
from .selectors.household import SPONSOR_FAILED_STATES, SPONSOR_GRANTED_STATES

INVITATION_SALT = "applications.household.member-invitation"
INVITATION_MAX_AGE = 14 * 24 * 3600
# The documents a family typically shares between its cases (and which case needs which).
SHARED_DOCUMENT_TYPES = (DocumentType.MARRIAGE_CERTIFICATE, DocumentType.BIRTH_CERTIFICATE,
                         DocumentType.LIVING_SPACE, DocumentType.PASSPORT)
# What each family title needs as proof of the family tie before it can be submitted.
TIE_DOCUMENT = {"30": DocumentType.MARRIAGE_CERTIFICATE, "32": DocumentType.BIRTH_CERTIFICATE}
# The main applicant holds their residence permit (or their case was closed after it).
PERMIT_HELD_STATES = (CaseState.PERMIT_ISSUED, CaseState.CLOSED)
MEMBER_FIELDS = ("surname", "given_names", "birth_date", "nationality", "passport_number",
                 "passport_issuing_state", "passport_expiry", "sex", "birth_place")


class HouseholdError(Exception):
    """A request about the household that cannot be carried out; the message is for the user."""


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def member_data_check(*, relationship: str, birth_date: date | None, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if birth_date is None:
        raise HouseholdError(_("Enter the date of birth."))
    if birth_date > today:
        raise HouseholdError(_("The date of birth cannot be in the future."))
    if relationship == Relationship.CHILD and _age(birth_date, today) >= 18:
        # § 32 Abs. 1 AufenthG: the child joining must be a minor (unmarried).
        raise HouseholdError(_("A child can join only while under 18 (§ 32 AufenthG). An adult child "
                               "needs a residence title of their own."))


@transaction.atomic
def household_member_add(*, actor, relationship: str, **fields) -> HouseholdMember:
    """The main applicant adds a family member (their own profile, no login yet)."""
    head = services.person_ensure(user=actor)
    if HouseholdMember.objects.filter(person=head).exists():
        raise HouseholdError(_("You are a member of another person's household, so you cannot add members."))
    if relationship not in Relationship.values:
        raise HouseholdError(_("Choose the relationship."))
    member_data_check(relationship=relationship, birth_date=fields.get("birth_date"))
    household, _created = Household.objects.get_or_create(head=head)
    if relationship == Relationship.SPOUSE and household.members.filter(relationship=Relationship.SPOUSE).exists():
        raise HouseholdError(_("Your household already has a spouse or partner."))
    person = Person.objects.create(**{name: value for name, value in fields.items() if name in MEMBER_FIELDS})
    return HouseholdMember.objects.create(household=household, person=person, relationship=relationship)


@transaction.atomic
def family_case_start(*, actor, member: HouseholdMember, main_case: Case) -> Case:
    """A draft for the member (title 30 or 32) joined to the head's `main_case`."""
    if main_case.person.user_id != actor.pk or main_case.person_id != member.household.head_id:
        raise HouseholdError(_("A family member can only join your own application."))
    if main_case.state in SPONSOR_FAILED_STATES or main_case.joins_id:
        raise HouseholdError(_("This application cannot be joined any more."))
    if member.person.user_id is not None and not member.head_may_see:
        raise HouseholdError(_("This family member manages their own data."))
    if Case.objects.filter(person=member.person, joins=main_case).exclude(
            state__in=SPONSOR_FAILED_STATES).exists():
        raise HouseholdError(_("This family member already has an application joining it."))
    member_data_check(relationship=member.relationship, birth_date=member.person.birth_date)
    case = services.case_create(person=member.person, actor=actor, title_code=FAMILY_TITLE[member.relationship],
                                procedure_language=main_case.procedure_language)
    # § 81a Abs. 4 AufenthG: the accelerated procedure of the main applicant includes the spouse and the
    # minor children; their cases follow it (and its office, authorities.routing).
    Case.objects.filter(pk=case.pk).update(joins=main_case, accelerated=main_case.accelerated)
    case.joins, case.accelerated = main_case, main_case.accelerated
    return case


def _follow_main_procedure(family_case: Case, main_case: Case) -> None:
    """Before a family draft is submitted: it is in the § 81a procedure exactly when the main case is
    (§ 81a Abs. 4 AufenthG); the employer may have chosen or dropped it after the family started."""
    if family_case.accelerated != main_case.accelerated:
        Case.objects.filter(pk=family_case.pk).update(accelerated=main_case.accelerated)
        family_case.accelerated = main_case.accelerated


def family_case_missing(*, case: Case) -> list[str]:
    """What a family member's draft still lacks before it can be submitted."""
    missing = []
    person = case.person
    for name, message in [
        ("surname", _("the surname")), ("birth_date", _("the date of birth")),
        ("nationality", _("the nationality")), ("passport_number", _("the passport number")),
        ("passport_expiry", _("the passport's expiry date")),
    ]:
        if not getattr(person, name):
            missing.append(message)
    needed = [TIE_DOCUMENT[case.title_code]] if case.title_code in TIE_DOCUMENT else []
    main = case.joins
    if needed and main is not None and main.title_code and rules.living_space_needed(main.title_code):
        # § 29 Abs. 1 S. 1 Nr. 2 AufenthG; § 29 Abs. 5 waives it only for the skilled workers' titles.
        needed.append(DocumentType.LIVING_SPACE)
    present = set(Document.objects.filter(document_type__in=needed, pk__in=_case_document_ids(case))
                  .exclude(state=Document.State.REJECTED).values_list("document_type", flat=True))
    missing += [str(DocumentType(code).label) for code in needed if code not in present]
    return missing


def _case_document_ids(case: Case):
    linked = Document.linked_cases.through.objects.filter(case=case).values_list("document_id", flat=True)
    return list(Document.objects.filter(case=case).values_list("pk", flat=True)) + list(linked)


def family_cases_submit(*, actor, main_case: Case) -> tuple[list[Case], list[Case]]:
    """Submits the complete drafts joined to `main_case` (which must be submitted already); returns
    (submitted, still incomplete)."""
    if main_case.state == CaseState.DRAFT:
        raise HouseholdError(_("Submit the main application first: the family's applications go with it."))
    if main_case.state in SPONSOR_FAILED_STATES:
        raise HouseholdError(_("The main application was refused or withdrawn: there is no one to join."))
    submitted, incomplete = [], []
    for case in Case.objects.filter(joins=main_case, state=CaseState.DRAFT).select_related("person"):
        if family_case_missing(case=case):
            incomplete.append(case)
        else:
            _follow_main_procedure(case, main_case)
            services.case_submit(case=case, actor=actor)
            submitted.append(case)
    return submitted, incomplete


def family_after_transition(*, case: Case, transition: str, actor=None) -> None:
    """From procedure.after_transition, in the transition's transaction."""
    if transition == "submit" and case.joins_id is None:
        for family_case in Case.objects.filter(joins=case, state=CaseState.DRAFT).select_related("person"):
            if not family_case_missing(case=family_case):
                _follow_main_procedure(family_case, case)
                services.case_transition(case=family_case, transition="submit", actor=actor,
                                         payload={"with_main_case": case.reference})
    elif transition == "grant_visa" and case.joins_id is not None:
        main = Case.objects.only("state").get(pk=case.joins_id)
        if main.state not in SPONSOR_GRANTED_STATES:
            raise services.BackofficeError(_(
                "The family member's visa can be granted only once the main applicant's visa is granted "
                "(§ 29 Abs. 1 Nr. 1 AufenthG)."))
    elif transition == "issue_permit" and case.joins_id is not None:
        main = Case.objects.only("state").get(pk=case.joins_id)
        if main.state not in PERMIT_HELD_STATES:
            raise services.BackofficeError(_(
                "The family member's residence permit can be issued only once the main applicant's residence "
                "permit is issued (§ 29 Abs. 1 Nr. 1, § 27 Abs. 4 AufenthG)."))


def family_permits_decide(*, actor, main_case: Case, outcomes: dict) -> dict:
    """The foreigners' authority decides the residence permits of a family after entry in one action:
    `outcomes` maps each case (the main case and cases joined to it, all `entered`) to
    {"outcome": granted|rejected, "reasons": ...}. Each person still gets their own Decision and
    ResidenceTitle (backoffice.decision_create: a grant is issued at once, a refusal waits for the
    four-eyes approval). The main applicant's is decided first, since a family member's permit
    needs theirs (§ 29 Abs. 1 Nr. 1, § 27 Abs. 4 AufenthG). § 81 Abs. 6 AufenthG asks for the joint
    decision where the family's application is made together with a Blue Card (always) or a § 18a/
    § 18b permit (as a rule); deciding together here serves that without changing any outcome.
    Each case is decided in its own savepoint: a refused or failing member never undoes or blocks the
    others. Returns {case: Decision or the error message}."""
    ordered = sorted(outcomes.items(), key=lambda item: item[0].joins_id is not None)
    results = {}
    for case, choice in ordered:
        if case.pk != main_case.pk and case.joins_id != main_case.pk:
            raise HouseholdError(_("Only the main applicant's family can be decided together."))
        try:
            with transaction.atomic():
                results[case] = services.decision_create(
                    case=case, actor=actor, kind=Decision.Kind.RESIDENCE_PERMIT, outcome=choice["outcome"],
                    legal_basis=choice.get("legal_basis", ""), reasons=choice.get("reasons", ""))
        except (services.BackofficeError, PermissionDenied) as exc:
            results[case] = str(exc)
    return results


@transaction.atomic
def family_document_share(*, actor, file, document_type: str, cases: list[Case]) -> Document:
    """One upload for several cases of the household: handed in with the first, linked to the rest.
    `cases` must be cases the actor may see (the views take them from the selectors)."""
    if document_type not in SHARED_DOCUMENT_TYPES:
        raise HouseholdError(_("Choose the kind of document."))
    if not cases:
        raise HouseholdError(_("Choose at least one application the document belongs to."))
    if any(c.state not in (CaseState.DRAFT, CaseState.DOCUMENTS_REQUESTED) for c in cases):
        raise HouseholdError(_("Documents can be added only to drafts and to applications waiting for documents."))
    first = cases[0]
    document = document_services.document_upload(person=first.person, uploaded_by=actor, file=file, case=first,
                                                  document_type=document_type)
    document.linked_cases.set(cases[1:])
    return document


@transaction.atomic
def member_consent_set(*, actor, allowed: bool) -> HouseholdMember:
    """A family member with their own login decides whether the main applicant may see their data."""
    member = HouseholdMember.objects.select_for_update().filter(person__user=actor).first()
    if member is None:
        raise HouseholdError(_("You are not a member of a household."))
    member.head_may_see = allowed
    member.save(update_fields=["head_may_see"])
    # The status pages' ETags follow the version: who may see them changed.
    Case.objects.filter(person=member.person).update(version=F("version") + 1)
    return member


def member_invitation_create(*, actor, member: HouseholdMember, email: str) -> str:
    """An adult member gets a link to take over their data with their own login. Returns the link."""
    if member.household.head.user_id != actor.pk:
        raise HouseholdError(_("Only the main applicant can invite family members."))
    if member.relationship == Relationship.CHILD:
        raise HouseholdError(_("Children are represented by their parents and get no login of their own here."))
    if member.person.user_id is not None:
        raise HouseholdError(_("This family member already has their own login."))
    email = (email or "").strip().lower()
    if "@" not in email:
        raise HouseholdError(_("Enter the family member's e-mail address."))
    member.invited_email = email
    member.invited_at = timezone.now()
    member.save(update_fields=["invited_email", "invited_at"])
    token = signing.dumps({"member": str(member.public_id), "email": email}, salt=INVITATION_SALT)
    link = settings.SITE_URL.rstrip("/") + reverse("applicant:household_join", args=[token]) if getattr(
        settings, "SITE_URL", "") else reverse("applicant:household_join", args=[token])
    body = _("%(name)s invites you to manage your own application in the family's account on the "
             "portal. Open this link within 14 days and sign in with this e-mail address: %(link)s") % {
        "name": member.household.head.full_name, "link": link}
    transaction.on_commit(lambda: send_mail(_("Your family's application"), body, None, [email]))
    return link


@transaction.atomic
def member_invitation_accept(*, token: str, user) -> HouseholdMember:
    """The invited member, signed in with the invited address, becomes the holder of their Person."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.BadSignature as exc:
        raise HouseholdError(_("This invitation link is not valid or has expired.")) from exc
    member = (HouseholdMember.objects.select_for_update().select_related("person")
              .filter(public_id=data.get("member")).first())
    if member is None or member.invited_email != data.get("email"):
        raise HouseholdError(_("This invitation link is not valid or has expired."))
    if (user.email or "").strip().lower() != member.invited_email:
        raise HouseholdError(_("Sign in with the e-mail address the invitation was sent to."))
    if member.person.user_id is not None:
        raise HouseholdError(_("This invitation has already been used."))
    if Person.objects.filter(user=user).exists():
        raise HouseholdError(_("Your account already has a profile of its own; ask the main applicant "
                               "to contact the WSA."))
    person = member.person
    person.user = user
    person.email = user.email
    person.save(update_fields=["user", "email", "updated_at"])
    return member
