"""The title a decision issues, written in the transaction of the case's transition
(procedure.after_transition): `grant_visa` issues the national visa, `issue_permit` the residence
permit (or EU Blue Card) that replaces it."""

from __future__ import annotations

from datetime import date

from django.utils import timezone, translation

from authorities.models import AuthorityRequest, Outcome, Purpose

from ..models import Case, Decision, ResidenceTitle, TitleEnd, TitleKind, WorkPermission
from ..models.titles import permit_title_kind
from ..rules import catalogue, title_terms
from ..rules.formatting import written_number


def _decision(case: Case, payload: dict | None, kind: str) -> Decision | None:
    """The decision the transition carries out (its id is in the payload), else the case's latest
    granted one of that kind."""
    decisions = Decision.objects.filter(case=case, kind=kind, outcome=Decision.Outcome.GRANTED)
    public_id = (payload or {}).get("decision")
    if public_id:
        found = decisions.filter(public_id=public_id).first()
        if found is not None:
            return found
    return decisions.order_by("-created_at").first()


def _step(case: Case, purpose: str) -> AuthorityRequest | None:
    return AuthorityRequest.objects.filter(case=case, purpose=purpose).order_by("-pk").first()


def _months(value) -> int | None:
    try:
        months = int(value)
    except (TypeError, ValueError):
        return None
    return months if months > 0 else None


def _conditions(step: AuthorityRequest | None) -> dict:
    conditions = step.conditions if step is not None else None
    return conditions if isinstance(conditions, dict) else {}


def _section(code: str) -> str:
    try:
        return catalogue.title(code).section
    except catalogue.UnknownTitle:
        return ""


def _common(case: Case, decision: Decision | None) -> dict:
    """What the visa and the permit share: the holder, the job the conditions name, the work allowed."""
    employment = getattr(case, "employment", None)
    approval = _conditions(_step(case, Purpose.BA_APPROVAL))
    occupation = str(approval.get("occupation") or (employment.job_title if employment else ""))[:200]
    work = (WorkPermission.ANY if title_terms.work_is_unrestricted(case.title_code)
            else WorkPermission.AS_CONDITIONED)
    return {
        "holder_id": case.person_id, "case": case, "title_code": case.title_code, "work_permission": work,
        "employer_id": case.employer_id, "occupation": occupation,
        "conditions": decision.conditions if decision is not None else "",
    }


def _start(decision: Decision | None) -> date:
    return (decision.valid_from if decision is not None and decision.valid_from else None) or timezone.localdate()


def visa_legal_basis(purpose_basis: str) -> str:
    """A national visa is issued under § 6 Abs. 3 AufenthG by the rules of the title its purpose leads to
    (S. 2: "nach den für die Aufenthaltserlaubnis, die Blaue Karte EU, … geltenden Vorschriften")."""
    return f"§ 6 Abs. 3 AufenthG i. V. m. {purpose_basis}" if purpose_basis else "§ 6 Abs. 3 AufenthG"


def approval_restrictions_text(case: Case) -> str:
    """The restrictions of the Federal Employment Agency's approval (§ 34 Abs. 1 BeschV: occupation, employer,
    working time, duration) as the decision's condition, which must carry them into the title (§ 4a Abs. 3
    AufenthG). In German, the official language the decision is written in (§ 23 Abs. 1 VwVfG); empty
    without an approval, or for one that limits nothing (a deemed approval, § 36 Abs. 2 BeschV)."""
    step = _step(case, Purpose.BA_APPROVAL)
    if step is None or step.outcome != Outcome.APPROVED:
        return ""
    conditions = _conditions(step)
    what = []
    occupation = str(conditions.get("occupation") or "").strip()
    isco = str(conditions.get("occupation_isco") or "").strip()
    if occupation:
        what.append(f"als {occupation}" + (f" (ISCO-08 {isco})" if isco and isco not in occupation else ""))
    employer = str(conditions.get("employer") or "").strip()
    number = str(conditions.get("employer_ba_number") or "").strip()
    if employer:
        what.append(f"bei {employer}" + (f" (Betriebsnummer {number})" if number else ""))
    hours = str(conditions.get("weekly_hours") or "").strip()
    if hours:
        with translation.override("de"):
            what.append(f"mit {written_number(hours)} Wochenstunden")
    sentences = [f"Beschäftigung nur {' '.join(what)} gestattet."] if what else []
    months = _months(conditions.get("duration_months"))
    if months:
        sentences.append(f"Die Zustimmung der Bundesagentur für Arbeit ist auf {months} "
                         f"{'Monat' if months == 1 else 'Monate'} befristet.")
    other = " ".join(str(conditions.get("other") or "").split())
    if other:
        sentences.append(f"Weitere Beschränkung der Bundesagentur für Arbeit: {other}")
    if not sentences:
        return ""
    return " ".join(sentences) + " (§ 4a Abs. 3 AufenthG, § 34 Abs. 1 BeschV)"


def visa_term_end(case: Case, start: date) -> date:
    """The visa's last day when the decision names none: the mission's term from its answer (condition
    `valid_months`), else title_terms.visa_valid_until's cautious default."""
    return title_terms.visa_valid_until(
        start=start, mission_months=_months(_conditions(_step(case, Purpose.VISA)).get("valid_months")))


def permit_term_end(case: Case, start: date) -> date:
    """The permit's last day when the decision names none: § 18 Abs. 4 AufenthG (title_terms.permit_valid_until)
    from the contract's and the BA approval's terms."""
    employment = getattr(case, "employment", None)
    return title_terms.permit_valid_until(
        title_code=case.title_code, start=start,
        contract_months=employment.duration_months if employment is not None else None,
        approval_months=_months(_conditions(_step(case, Purpose.BA_APPROVAL)).get("duration_months")))


def title_issue_visa(*, case: Case, payload: dict | None = None) -> ResidenceTitle:
    """The national visa (§ 6 Abs. 3 AufenthG) for the purpose of the case's title. Its dates: the
    decision's; else the mission's term from its answer (condition `valid_months`); else
    title_terms.visa_valid_until's cautious default."""
    existing = ResidenceTitle.objects.filter(case=case, kind=TitleKind.NATIONAL_VISA).first()
    if existing is not None:
        return existing
    decision = _decision(case, payload, Decision.Kind.VISA)
    step = _step(case, Purpose.VISA)
    start = _start(decision)
    if decision is not None and decision.valid_until and decision.valid_until >= start:
        until = decision.valid_until
    else:
        until = visa_term_end(case, start)
    basis = (decision.legal_basis if decision is not None and decision.legal_basis
             else visa_legal_basis(_section(case.title_code)))
    return ResidenceTitle.objects.create(
        **_common(case, decision), kind=TitleKind.NATIONAL_VISA, legal_basis=basis[:120], valid_from=start,
        valid_until=until, issued_by=step.authority if step is not None else None)


def title_issue_permit(*, case: Case, payload: dict | None = None) -> ResidenceTitle:
    """The residence permit after entry (an EU Blue Card for § 18g), issued by the foreigners'
    authority. It replaces the case's visa, which ends as replaced. Its dates: the decision's; else
    § 18 Abs. 4 AufenthG (title_terms.permit_valid_until) from the contract and the BA approval."""
    existing = ResidenceTitle.objects.filter(case=case).exclude(kind=TitleKind.NATIONAL_VISA).first()
    if existing is not None:
        return existing
    decision = _decision(case, payload, Decision.Kind.RESIDENCE_PERMIT)
    step = _step(case, Purpose.RESIDENCE_PERMIT)
    start = _start(decision)
    if decision is not None and decision.valid_until and decision.valid_until >= start:
        until = decision.valid_until
    else:
        until = permit_term_end(case, start)
    # A first permit replaces the case's visa; an extension the title it extends (§ 81 Abs. 4 AufenthG).
    extended = getattr(getattr(case, "extension", None), "title_id", None)
    replaced = ResidenceTitle.objects.select_for_update().filter(ended_at__isnull=True)
    replaced = (replaced.filter(pk=extended) if extended else
                replaced.filter(case=case, kind=TitleKind.NATIONAL_VISA)).first()
    if replaced is not None:
        ResidenceTitle.objects.filter(pk=replaced.pk).update(ended_at=timezone.now(), end_reason=TitleEnd.REPLACED)
    kind = permit_title_kind(case.title_code)
    basis = (decision.legal_basis if decision is not None and decision.legal_basis else
             _section(case.title_code) or "AufenthG")
    return ResidenceTitle.objects.create(
        **_common(case, decision), kind=kind, legal_basis=basis[:120], valid_from=start, valid_until=until,
        replaces=replaced, issued_by=step.authority if step is not None else None)


def titles_after_transition(*, case: Case, transition: str, payload: dict | None = None) -> ResidenceTitle | None:
    if transition == "grant_visa":
        return title_issue_visa(case=case, payload=payload)
    if transition in ("issue_permit", "extend_permit"):
        return title_issue_permit(case=case, payload=payload)
    return None
