"""The household: who of a family sees whose data and case, and what each member's application looks
like (the rules engine's verdict, the state, the next step).

Who sees what (GDPR Art. 5 Abs. 1 lit. c, Art. 6: only with a reason):
- the main applicant (the household's head) sees a member while the member has no login of their own
  (the head entered the data and acts for them) or has consented from their own portal;
- a child's data and case are visible to the parents in the household (the head, and the spouse or
  partner once they have their own login), as the people with parental care act for a minor
  (§ 80 Abs. 4 AufenthG: a minor's applications are made by the legal representatives);
- a member with their own login sees their own case like any applicant (visibility: person__user).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from authorities import selectors as authority_selectors
from documents.models import Document
from wsa.observability.context import bind_case

from .. import rules
from ..decisions import DECISION_OFFICE_KIND
from ..figures import rule_figures
from ..lifecycle import CaseState
from ..models import Case, Decision, Household, HouseholdMember, Person, ResidenceTitle
from .household_access import household_cases_q, member_q
from .staff import staff_scope
from .visibility import case_visibility_filter

# The states of a main case in which its holder has the title a family member joins (a granted national visa
# is a residence title already: § 4 Abs. 1 S. 2 Nr. 1 AufenthG).
SPONSOR_GRANTED_STATES = (CaseState.VISA_GRANTED, CaseState.ENTERED, CaseState.PERMIT_ISSUED)
# A main case that ended without a title: nobody to join (§ 29 Abs. 1 Nr. 1 AufenthG).
SPONSOR_FAILED_STATES = (CaseState.REJECTED, CaseState.WITHDRAWN)


def household_for_head(*, viewer) -> Household | None:
    if not viewer.is_authenticated:
        return None
    return Household.objects.filter(head__user=viewer).select_related("head").first()


def membership_of(*, viewer) -> HouseholdMember | None:
    """The viewer's own membership in someone's household (a family member with their own login)."""
    if not viewer.is_authenticated:
        return None
    return (HouseholdMember.objects.filter(person__user=viewer)
            .select_related("household__head", "person").first())


def member_list(*, viewer) -> QuerySet[HouseholdMember]:
    if not viewer.is_authenticated:
        return HouseholdMember.objects.none()
    return (HouseholdMember.objects.filter(member_q(viewer)).distinct()
            .select_related("person", "household__head").order_by("created_at", "pk"))


def member_get(*, viewer, public_id) -> HouseholdMember:
    try:
        return member_list(viewer=viewer).get(public_id=public_id)
    except (HouseholdMember.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def member_get_for_head(*, viewer, public_id) -> HouseholdMember:
    """A member the viewer may act for as the household's head (start a case, invite), or 404."""
    member = member_get(viewer=viewer, public_id=public_id)
    if member.household.head.user_id != viewer.pk:
        raise Http404
    return member


def family_case_list(*, viewer) -> QuerySet[Case]:
    visible = household_cases_q(viewer=viewer)
    if visible is None:
        return Case.objects.none()
    return Case.objects.filter(visible).select_related("person", "joins")


def family_case_get(*, viewer, public_id) -> Case:
    """A family member's case the viewer may see through the household, or 404."""
    try:
        return bind_case(family_case_list(viewer=viewer).get(public_id=public_id))
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def head_main_cases(*, viewer) -> QuerySet[Case]:
    """The head's own cases a family member can join: not ended without a title."""
    if not viewer.is_authenticated:
        return Case.objects.none()
    return (Case.objects.filter(person__user=viewer, joins__isnull=True)
            .exclude(state__in=SPONSOR_FAILED_STATES).exclude(title_code__in=("30", "32"))
            .order_by("-created_at"))


def family_cases_to_book(*, viewer, case: Case, office) -> list[Case]:
    """The family's cases that may share the main applicant's appointment at `office`: those of
    `family_cases_awaiting_appointment`, if the office offers family appointments. The booking service
    checks each again under lock."""
    if office is None or not office.family_appointments:
        return []
    return family_cases_awaiting_appointment(viewer=viewer, case=case, office=office)


def family_cases_awaiting_appointment(*, viewer, case: Case, office) -> list[Case]:
    """The family's cases joined to the viewer's own main `case`, visible to the viewer through the
    household, waiting for their visa appointment at the same `office` and not booked yet."""
    if office is None or case.joins_id or case.person.user_id != viewer.pk:
        return []
    found = []
    for member_case in family_case_list(viewer=viewer).filter(joins=case).order_by("created_at"):
        request = authority_selectors.appointment_request(case=member_case)
        if request is None or request.authority_id != office.pk:
            continue
        if authority_selectors.case_has_active_booking(case=member_case):
            continue
        found.append(member_case)
    return found


# --- the rules engine's verdict for a member ----------------------------------------------------


def _age(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def sponsor_title_held(main_case: Case) -> tuple[bool, date]:
    """Whether the main applicant already holds the title, and since when: the issued title's start; for a
    family applying together, not yet (the family's titles are granted with or after theirs) and today."""
    title = ResidenceTitle.objects.filter(case=main_case).order_by("valid_from").first()
    if title is not None:
        return True, title.valid_from
    return main_case.state in SPONSOR_GRANTED_STATES, timezone.localdate()


def member_verdict(*, member: HouseholdMember, main_case: Case | None, today: date | None = None):
    """The rules engine's result for the member's title (§ 30 or § 32 AufenthG) against the main
    case's title, or None while the date of birth or the main case is missing."""
    today = today or timezone.localdate()
    person = member.person
    if main_case is None or person.birth_date is None or not main_case.title_code:
        return None
    try:
        holds, since = sponsor_title_held(main_case)
        joining = rules.Joining(relationship=member.relationship, sponsor_title=main_case.title_code,
                                sponsor_since=since, sponsor_holds=holds)
        profile = rules.Profile(
            date_of_birth=person.birth_date, qualification="none", recognition="none", degree_comparable=False,
            job_offer=None, german_level=_german_level(person), english_level="none", years_experience=0,
            months_in_germany_last_5_years=0, spouse_eligible=False, monthly_means_eur=0, it_specialist=False,
            joining=joining,
        )
        return rules.evaluate_title(member.family_title, profile, today, figures=rule_figures())
    except (rules.ProfileError, rules.ThresholdNotFound):
        return None


def _german_level(person: Person) -> str:
    skill = person.languages.filter(language="de").first()
    return skill.level if skill is not None and skill.level in rules.profile.LANGUAGE_LEVELS else "none"


# --- the tracker ---------------------------------------------------------------------------------


def next_step(case: Case) -> str:
    """What happens next for a family member's case, in plain words."""
    main = case.joins
    if main is not None and main.state in SPONSOR_FAILED_STATES and case.state not in (
            CaseState.REJECTED, CaseState.WITHDRAWN, CaseState.CLOSED):
        return _("The main application was refused or withdrawn. A family member can only join someone "
                 "who holds a residence title (§ 29 Abs. 1 Nr. 1 AufenthG), so this application cannot "
                 "be granted; the authority will decide on it.")
    steps = {
        CaseState.DRAFT: _("Complete the data and documents, then submit it together with the main application."),
        CaseState.SUBMITTED: _("The WSA checks that the application is complete."),
        CaseState.COMPLETENESS_CHECK: _("The WSA checks that the application is complete."),
        CaseState.DOCUMENTS_REQUESTED: _("Documents were requested: see the application's page."),
        CaseState.AUTHORITY_REVIEW: _("The authorities review the application."),
        CaseState.VISA_DECISION: _("The visa office decides. The visa is granted once the main "
                                   "applicant's visa is granted."),
        CaseState.VISA_GRANTED: _("The visa was granted: after arriving, report the entry."),
        CaseState.ENTERED: _("The foreigners' authority issues the residence permit."),
        CaseState.PERMIT_ISSUED: _("The residence permit was issued."),
        CaseState.REJECTED: _("The application was refused; the decision explains why and how to object."),
        CaseState.WITHDRAWN: _("The application was withdrawn."),
        CaseState.CLOSED: _("The procedure is closed."),
    }
    return str(steps.get(CaseState(case.state), ""))


def household_overview(*, viewer) -> dict | None:
    """The household on one screen: the head's main cases and every member the viewer may see, each
    with their cases (state, next step). None for a viewer with no household."""
    household = household_for_head(viewer=viewer)
    membership = membership_of(viewer=viewer)
    if household is None and membership is None:
        return None
    members = []
    for member in member_list(viewer=viewer):
        cases = list(Case.objects.filter(person=member.person).select_related("joins").order_by("-created_at"))
        members.append({"member": member, "cases": [{"case": c, "next_step": next_step(c)} for c in cases]})
    main_cases = list(head_main_cases(viewer=viewer)) if household is not None else []
    return {
        "household": household,
        "membership": membership,
        "main_cases": main_cases,
        # The main cases that family drafts still wait to join: only these offer the family's submit button.
        "family_drafts_join": {row["case"].joins_id for entry in members for row in entry["cases"]
                               if row["case"].state == CaseState.DRAFT and row["case"].joins_id},
        "members": members,
        # § 29 Abs. 1 S. 1 Nr. 2 AufenthG, unless § 29 Abs. 5 waives it for the main applicant's title.
        "living_space_needed": any(c.title_code and rules.living_space_needed(c.title_code) for c in main_cases),
    }


def family_for_case_file(*, viewer, case: Case) -> list[Case]:
    """The family of a case for the back office: its main case and the main case's family cases
    (this case included), only those the viewer may read."""
    main = case.joins or case
    visible = case_visibility_filter(viewer=viewer)
    if visible is None:
        return []
    family = Case.objects.filter(Q(pk=main.pk) | Q(joins=main)).filter(visible).select_related("person")
    if not case.joins_id and not family.filter(joins=main).exists():
        return []
    return list(family.distinct().order_by("joins_id", "created_at"))


def family_permits_to_decide(*, viewer, case: Case, family: list[Case] | None = None) -> list[Case]:
    """The family's cases whose residence permit the viewer's foreigners' authority may decide now
    (entered, no decision yet), the main applicant's first; empty unless there are at least two.
    `family`: the case file's family list when the caller has it already."""
    if not staff_scope(viewer=viewer).has_kind(DECISION_OFFICE_KIND[Decision.Kind.RESIDENCE_PERMIT]):
        return []
    if family is None:
        family = family_for_case_file(viewer=viewer, case=case)
    entered = [member for member in family if member.state == CaseState.ENTERED]
    if len(entered) < 2:
        return []
    decided = set(Decision.objects.filter(case__in=entered, kind=Decision.Kind.RESIDENCE_PERMIT, status__in=[
        Decision.Status.AWAITING_APPROVAL, Decision.Status.ISSUED]).values_list("case_id", flat=True))
    open_cases = sorted((member for member in entered if member.pk not in decided),
                        key=lambda member: (member.joins_id is not None, member.created_at))
    return open_cases if len(open_cases) > 1 else []


def case_documents_linked(*, case: Case) -> QuerySet[Document]:
    """The documents of a family member's case: handed in with it, or shared with it."""
    own = Document.objects.filter(case=case).order_by().values("pk")
    shared = Document.linked_cases.through.objects.filter(case=case).order_by().values("document_id")
    # One UNION of two index scans (an OR across the join made PostgreSQL read every document).
    return Document.objects.filter(pk__in=own.union(shared)).order_by("-created_at", "-pk")
