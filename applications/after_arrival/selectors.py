"""Reads of the after-arrival pages, each limited to what the viewer may see (404 for others')."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from ..lifecycle import CaseState
from ..models import FictionCertificate, LanguageSkill, Qualification, ResidenceTitle, TitleExtension, TitleKind
from ..rules import after_arrival as rules
from ..rules import purpose_change as switch_rules

# Extensions whose case is still with the authorities: a second one for the same title is refused.
CLOSED_STATES = (CaseState.WITHDRAWN, CaseState.REJECTED, CaseState.CLOSED, CaseState.PERMIT_ISSUED)


def holder_titles(*, viewer) -> QuerySet[ResidenceTitle]:
    if not viewer.is_authenticated:
        return ResidenceTitle.objects.none()
    return ResidenceTitle.objects.filter(holder__user=viewer).select_related("employer", "case", "holder")


def holder_title_get(*, viewer, public_id) -> ResidenceTitle:
    """One of the viewer's own titles, or 404."""
    try:
        return holder_titles(viewer=viewer).get(public_id=public_id)
    except (ResidenceTitle.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def open_extension(*, title: ResidenceTitle) -> TitleExtension | None:
    return (TitleExtension.objects.filter(title=title).exclude(case__state__in=CLOSED_STATES)
            .select_related("case").first())


def extendable(*, title: ResidenceTitle) -> bool:
    """A residence permit or Blue Card that has not ended (an expired one may still be applied for
    late: the page then explains that no certificate follows)."""
    return title.kind in rules.EXTENDABLE_KINDS and title.ended_at is None


def title_rows(*, viewer, today: date) -> list[dict]:
    """The holder's titles with what may be done with each (extend, the open extension, its certificate)."""
    rows = []
    for title in holder_titles(viewer=viewer):
        extension = open_extension(title=title)
        certificate = (FictionCertificate.objects.filter(case=extension.case).first() if extension else None)
        rows.append({
            "title": title, "valid": title.is_valid_on(today),
            "expired": title.valid_until is not None and title.valid_until < today,
            "extendable": extendable(title=title) and extension is None,
            "switchable": extension is None and switch_start(title=title, today=today).allowed,
            "extension": extension, "certificate": certificate,
            # A national visa is not extended: before it expires the foreigners' authority issues the title for
            # the stay in Germany (§ 6 Abs. 3 AufenthG, § 39 S. 1 Nr. 1 AufenthV), on the visa's own case once
            # the entry is reported.
            "visa_followed_by": _title_after_entry(title),
        })
    return rows


def _title_after_entry(title: ResidenceTitle) -> str:
    """For a national visa: "applied" when its case waits for the title after entry (entry reported),
    "to_apply" when the entry is still to be reported; "" for any other title or a visa without a case."""
    if title.kind != TitleKind.NATIONAL_VISA or title.case is None:
        return ""
    if title.case.state == CaseState.ENTERED:
        return "applied"
    return "to_apply" if title.case.state == CaseState.VISA_GRANTED else ""


def switch_start(*, title: ResidenceTitle, today: date) -> switch_rules.SwitchStart:
    """Whether the title may be switched to another purpose through the portal (rules.purpose_change)."""
    return switch_rules.switch_start(code=title.title_code, kind=title.kind, ended=title.ended_at is not None,
                                     valid_until=title.valid_until, today=today)


def qualifications(*, person) -> switch_rules.Qualifications:
    """What the profile says about the holder's qualifications: German ones (country DE) make a skilled
    worker at once (§ 18 Abs. 3 AufenthG); foreign ones only when recognised or comparable."""
    rows = list(Qualification.objects.filter(person=person).values_list("kind", "country", "recognition",
                                                                         "comparable"))
    german = {kind for kind, country, _r, _c in rows if (country or "").upper() in ("DE", "DEU")}
    recognised = {kind for kind, country, recognition, comparable in rows
                  if (country or "").upper() not in ("DE", "DEU")
                  and (recognition == Qualification.Recognition.FULL
                       or (comparable and kind == Qualification.Kind.ACADEMIC))}
    return switch_rules.Qualifications(
        german_degree=Qualification.Kind.ACADEMIC in german, german_training=Qualification.Kind.VOCATIONAL in german,
        foreign_degree_recognised=Qualification.Kind.ACADEMIC in recognised,
        foreign_training_recognised=Qualification.Kind.VOCATIONAL in recognised)


def current_title(*, person, today: date) -> ResidenceTitle | None:
    """The holder's title in force today (the newest), else one kept in force by a certificate."""
    titles = ResidenceTitle.objects.filter(holder=person).select_related("case", "issued_by")
    return (titles.valid_on(today).first()
            or titles.filter(ended_at__isnull=True, fiction_certificates__in=FictionCertificate.objects.filter(
                ended_at__isnull=True)).first())


def certificate_get(*, viewer, public_id) -> FictionCertificate:
    """A certificate of one of the viewer's own titles, or 404."""
    try:
        return FictionCertificate.objects.select_related("case", "title").get(
            title__holder__user=viewer, public_id=public_id)
    except (FictionCertificate.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def certificate_by_code(*, code: str) -> FictionCertificate | None:
    if not code or len(code) > 32:
        return None
    return (FictionCertificate.objects.select_related("title", "title__issued_by", "case")
            .filter(verification_code=code).first())


def title_periods(*, titles) -> list[rules.TitlePeriod]:
    return [rules.TitlePeriod(code=t.title_code, valid_from=t.valid_from, valid_until=t.valid_until) for t in titles]


def german_level(*, person) -> str:
    if person is None:
        return "none"
    skill = LanguageSkill.objects.filter(person=person, language="de").first()
    return skill.level if skill else "none"


def employer_report_title(*, case) -> ResidenceTitle | None:
    """The holder's title that names the case's employer (the newest; valid or not ended long ago)."""
    if case.employer_id is None:
        return None
    return (ResidenceTitle.objects.filter(holder_id=case.person_id, employer_id=case.employer_id)
            .order_by("-valid_from", "-pk").first())


def months_in_employment(*, title: ResidenceTitle, today: date) -> int:
    """Months since the title's validity began (taken as the start of employment under it)."""
    return rules.full_months(title.valid_from, today)
