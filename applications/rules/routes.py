"""The other routes: the Opportunity Card (§ 20a), recognition (§ 16d Abs. 1 and 3), training and
studies (§§ 16a, 17, 16b), job search after a German qualification (§ 20), the settlement permit
(§ 18c) and family joining a skilled worker (§§ 29, 30, 32)."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from . import catalogue
from .conditions import (
    Assessment,
    Context,
    Reason,
    age_on,
    foreign_qualification,
    german_at_least,
    job_offer,
    livelihood,
    pay_floor,
    present,
    qualified_employment,
)
from .occupations import QUALIFIED_SKILL_LEVEL
from .points import PointsResult, chancenkarte_points
from .profile import Profile, level_at_least
from .thresholds import MEANS_STUDY_MONTHLY

# --- § 20a AufenthG: Opportunity Card (Chancenkarte) ------------------------------------------


def _is_skilled_worker(profile: Profile) -> bool:
    # § 18 Abs. 3 AufenthG: a German or fully recognised vocational qualification (Nr. 1), or a
    # German, recognised or comparable foreign degree (Nr. 2).
    if profile.qualification == "vocational":
        return profile.recognition == "full"
    if profile.qualification == "academic":
        return profile.recognition == "full" or profile.degree_comparable
    return False


def assess_20a(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
    if _is_skilled_worker(profile):
        # § 20a Abs. 3 Nr. 1 AufenthG: skilled workers get the card without points.
        result.reasons.append(
            Reason(
                "skilled_worker",
                _("You count as a skilled worker (§ 18 Abs. 3 AufenthG): no points are needed."),
                "§ 20a Abs. 3 Nr. 1 AufenthG",
                met=True,
            )
        )
    else:
        result.points = chancenkarte_points(profile, age_on(profile, context.on_date, context.on_date))
        result.reasons.extend(
            [_points_route_qualification(profile), _basic_language(profile), _enough_points(result.points)]
        )
    offer = profile.job_offer
    result.reasons.append(
        livelihood(
            profile,
            context,
            "§ 20a Abs. 4 S. 1 AufenthG",
            result,
            job_counts=offer is not None and offer.hours_per_week <= 20,
        )
    )
    return result


def _points_route_qualification(profile: Profile) -> Reason:
    # § 20a Abs. 4 S. 3 Nr. 1 AufenthG: a degree or a vocational qualification of at least two
    # years, state-recognised where gained; § 20b Abs. 1 S. 2: waived with partial recognition.
    if profile.recognition == "partial":
        return Reason(
            "foreign_qualification",
            _("Partial recognition in Germany replaces proof of state recognition abroad."),
            "§ 20b Abs. 1 S. 2 AufenthG",
            met=True,
        )
    return foreign_qualification(profile, "§ 20a Abs. 4 S. 3 Nr. 1 AufenthG")


def _basic_language(profile: Profile) -> Reason:
    # § 20a Abs. 4 S. 3 Nr. 2 AufenthG: German at least A1 or English at least B2.
    met = level_at_least(profile.german_level, "A1") or level_at_least(profile.english_level, "B2")
    return Reason(
        "basic_language",
        format_lazy(
            _(
                "German at least A1 or English at least B2 is needed; "
                "the profile states German {german}, English {english}."
            ),
            german=profile.german_level,
            english=profile.english_level,
        ),
        "§ 20a Abs. 4 S. 3 Nr. 2 AufenthG",
        met=met,
    )


def _enough_points(points: PointsResult) -> Reason:
    # § 20a Abs. 3 Nr. 2 AufenthG with § 20b and the Anlage: at least 6 points.
    return Reason(
        "points",
        format_lazy(_("{total} points; at least {minimum} are needed."), total=points.total, minimum=points.minimum),
        "§ 20a Abs. 3 Nr. 2 AufenthG, § 20b AufenthG",
        met=points.sufficient,
        fixable=False,
    )


# --- § 16d Abs. 1 AufenthG: recognition measure ----------------------------------------------


def assess_16d1(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
    result.reasons.append(foreign_qualification(profile, "§ 16d Abs. 1 S. 1 AufenthG"))
    result.reasons.append(_deficit_notice(profile))
    # § 16d Abs. 1 S. 2 Nr. 1 AufenthG: German matching the measure, as a rule at least A2.
    result.reasons.append(german_at_least(profile, "A2", "§ 16d Abs. 1 S. 2 Nr. 1 AufenthG"))
    # § 16d Abs. 1 S. 2 Nr. 3 AufenthG: a mainly in-company measure needs BA approval; a job
    # offer is taken to mean the measure runs in the company.
    result.in_company_measure = profile.job_offer is not None
    # § 5 Abs. 1 Nr. 1 AufenthG applies to § 16d Abs. 1 as to every title; the pay of an
    # in-company measure counts.
    result.reasons.append(livelihood(profile, context, "§ 5 Abs. 1 Nr. 1 AufenthG", result, job_counts=True))
    return result


def _deficit_notice(profile: Profile) -> Reason:
    # § 16d Abs. 1 S. 1 AufenthG: the recognition body found that adaptation or compensation
    # measures are needed (deficit notice).
    source = "§ 16d Abs. 1 S. 1 AufenthG"
    if profile.recognition == "full":
        return Reason(
            "deficit_notice",
            _("The qualification is already fully recognised: no measure is needed (see § 18a or § 18b)."),
            source,
            met=False,
            fixable=False,
        )
    if profile.recognition == "partial":
        return Reason("deficit_notice", _("The recognition body issued a deficit notice."), source, met=True)
    return Reason(
        "deficit_notice",
        _("A deficit notice from the recognition body naming the required measure is needed."),
        source,
        met=False,
    )


# --- § 16d Abs. 3 AufenthG: recognition partnership ------------------------------------------


def assess_16d3(profile: Profile, context: Context) -> Assessment:
    source = "§ 16d Abs. 3 AufenthG"
    result = Assessment()
    result.reasons.append(foreign_qualification(profile, source))
    result.reasons.append(_recognition_not_completed(profile))
    # § 16d Abs. 3 AufenthG: German A2 (DOMAIN.md 1.2 [V haufe]).
    result.reasons.append(german_at_least(profile, "A2", source))
    result.reasons.extend(
        present(
            job_offer(profile, source),
            # § 2a Abs. 1 BeschV: the job relates to the qualification, so it is a qualified one.
            qualified_employment(profile, QUALIFIED_SKILL_LEVEL, "§ 16d Abs. 3 AufenthG, § 2a Abs. 1 BeschV"),
            pay_floor(profile, context),
        )
    )
    return result


def _recognition_not_completed(profile: Profile) -> Reason:
    # § 16d Abs. 3 AufenthG: the partnership is for starting recognition after entry; a fully
    # recognised qualification leads to § 18a / § 18b instead.
    source = "§ 16d Abs. 3 AufenthG"
    if profile.recognition == "full":
        return Reason(
            "recognition_not_completed",
            _("The qualification is already fully recognised: see § 18a or § 18b instead."),
            source,
            met=False,
            fixable=False,
        )
    return Reason(
        "recognition_not_completed",
        _("Recognition is not yet complete and can be pursued within the partnership."),
        source,
        met=True,
    )


# --- § 16a, § 17, § 16b AufenthG: training and studies ----------------------------------------


def assess_16a(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
    source = "§ 16a Abs. 1 AufenthG"
    if profile.training_place is None:
        result.reasons.append(
            Reason("training_place", _("A place in a qualified vocational training in Germany is needed."), source,
                   met=False)
        )
    else:
        result.reasons.append(
            Reason("training_place", _("A training place in Germany is confirmed."), source, met=True)
        )
    # § 8 Abs. 1 BeschV: the BA approves in-company training.
    result.in_company_measure = profile.training_place == "in_company"
    # § 16a Abs. 3 S. 1 AufenthG: sufficient German (B1) unless the training provider or a
    # preparatory course checked it; the engine asks for B1 (the cautious reading).
    result.reasons.append(german_at_least(profile, "B1", "§ 16a Abs. 3 AufenthG"))
    result.german_needed = True
    # § 2 Abs. 3 S. 5 AufenthG: means of the BAföG amount; the training pay counts.
    result.reasons.append(
        livelihood(profile, context, "§ 2 Abs. 3 S. 5 AufenthG", result, job_counts=True, kind=MEANS_STUDY_MONTHLY)
    )
    return result


def assess_17(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
    age = age_on(profile, context.on_date, context.on_date)
    result.reasons.append(
        Reason(
            "age_under_35",
            format_lazy(_("Only before the 35th birthday; the profile states age {age}."), age=age),
            "§ 17 Abs. 1 S. 1 Nr. 1 AufenthG",
            met=age < 35,
            fixable=False,
        )
    )
    result.reasons.append(
        Reason(
            "school_leaving_certificate",
            _("A school-leaving certificate giving access to higher education (or from a German school abroad)."),
            "§ 17 Abs. 1 S. 1 Nr. 3 AufenthG",
            met=profile.university_entrance_qualification,
            fixable=False,
        )
    )
    result.reasons.append(german_at_least(profile, "B1", "§ 17 Abs. 1 S. 1 Nr. 4 AufenthG"))
    result.german_needed = True
    result.reasons.append(livelihood(profile, context, "§ 17 Abs. 1 S. 1 Nr. 2 AufenthG", result, job_counts=False))
    return result


def assess_16b(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
    result.reasons.append(
        Reason(
            "university_admission",
            _("Admission by a German university (or a preparatory course) is needed.")
            if not profile.university_admission
            else _("Admitted by a German university."),
            "§ 16b Abs. 1 AufenthG",
            met=profile.university_admission,
        )
    )
    # § 16b Abs. 1 S. 3 AufenthG: German only where the university did not check it at admission.
    result.reasons.append(
        livelihood(profile, context, "§ 2 Abs. 3 S. 5 AufenthG", result, job_counts=False, kind=MEANS_STUDY_MONTHLY)
    )
    return result


# --- § 20 AufenthG: job search after studies or training in Germany --------------------------


def assess_20(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
    # § 20 Abs. 1 and 3 AufenthG: after a qualified vocational training, studies or a § 16d
    # recognition completed in Germany.
    result.reasons.append(
        Reason(
            "german_qualification",
            _("Studies, a qualified vocational training or a recognition completed in Germany.")
            if profile.german_qualification
            else _("Only after studies, a qualified vocational training or a recognition completed in Germany."),
            "§ 20 Abs. 1 and 3 AufenthG",
            met=profile.german_qualification is not None,
            fixable=False,
        )
    )
    result.reasons.append(livelihood(profile, context, "§ 5 Abs. 1 Nr. 1 AufenthG", result, job_counts=False))
    return result


# --- § 18c AufenthG: settlement permit for skilled workers -----------------------------------


def assess_18c(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
    held = profile.current_title
    months = profile.months_holding_title or 0
    contributions = profile.pension_contribution_months or 0
    trained_here = profile.german_qualification in ("degree", "vocational")
    if held == "18g":
        # § 18c Abs. 2 AufenthG: 27 months of Blue Card employment with contributions and A1;
        # 21 months with B1.
        needed = 21 if level_at_least(profile.german_level, "B1") else 27
        source = "§ 18c Abs. 2 AufenthG"
        result.reasons.append(
            Reason(
                "title_period",
                format_lazy(
                    _("{months} months of employment with the Blue Card; {needed} are needed."),
                    months=months,
                    needed=needed,
                ),
                source,
                met=months >= needed,
            )
        )
        result.reasons.append(_contributions(contributions, needed, source))
        result.reasons.append(german_at_least(profile, "A1", source))
    elif held in ("18a", "18b", "18d"):
        # § 18c Abs. 1 AufenthG: three years with the title (two after a German training or
        # studies), 36 months of contributions (24), sufficient German (B1).
        years = 2 if trained_here else 3
        source = "§ 18c Abs. 1 AufenthG"
        result.reasons.append(
            Reason(
                "title_period",
                format_lazy(
                    _("{months} months with the residence title; {needed} are needed."),
                    months=months,
                    needed=years * 12,
                ),
                source,
                met=months >= years * 12,
            )
        )
        result.reasons.append(_contributions(contributions, 24 if trained_here else 36, source))
        result.reasons.append(german_at_least(profile, "B1", "§ 18c Abs. 1 S. 1 Nr. 4 AufenthG"))
    else:
        result.reasons.append(
            Reason(
                "title_period",
                _("The settlement permit for skilled workers needs a title under § 18a, § 18b, § 18d or § 18g."),
                "§ 18c Abs. 1 S. 1 Nr. 1 AufenthG",
                met=False,
                fixable=False,
            )
        )
    # § 18c Abs. 1 S. 1 Nr. 2, Abs. 2 AufenthG: a job the title allows.
    result.reasons.append(
        Reason(
            "current_job",
            _("A job that the title allows is needed."),
            "§ 18c Abs. 1 S. 1 Nr. 2 AufenthG",
            met=profile.job_offer is not None,
        )
    )
    return result


def _contributions(months: int, needed: int, source: str) -> Reason:
    return Reason(
        "pension_contributions",
        format_lazy(
            _("{months} months of pension contributions; {needed} are needed."), months=months, needed=needed
        ),
        source,
        met=months >= needed,
    )


# --- §§ 29, 30, 32 AufenthG: family joining a skilled worker ---------------------------------


def _sponsor(profile: Profile, relationship: str, source: str) -> list[Reason]:
    joining = profile.joining
    if joining is None or joining.relationship != relationship:
        message = (
            _("For the spouse of someone who lives in Germany with a residence title.")
            if relationship == "spouse"
            else _("For the child of someone who lives in Germany with a residence title.")
        )
        return [Reason("joining", message, source, met=False, fixable=False)]
    if joining.sponsor_title not in catalogue.FAMILY_SPONSOR_TITLES:
        return [
            Reason(
                "sponsor_title",
                format_lazy(
                    _(
                        "Whether family members can join a holder of title {code} depends on conditions the "
                        "portal does not check; ask the foreigners' authority."
                    ),
                    code=joining.sponsor_title,
                ),
                "§ 29 Abs. 1, § 30 Abs. 1 S. 1 Nr. 3 AufenthG",
                met=False,
                fixable=False,
            )
        ]
    title = catalogue.TITLES[joining.sponsor_title]
    if not joining.sponsor_holds:
        # Cautious: a family applying together is granted its titles with or after the sponsor's, never before.
        return [
            Reason(
                "sponsor_title",
                format_lazy(
                    _("The main applicant does not hold their title yet ({name}, {section}); a family member's "
                      "title can be granted once theirs is."),
                    name=title.name, section=title.section,
                ),
                "§ 29 Abs. 1 Nr. 1 AufenthG",
                met=False,
            )
        ]
    return [
        Reason(
            "sponsor_title",
            format_lazy(_("The family member in Germany holds the title {name} ({section})."),
                        name=title.name, section=title.section),
            "§ 29 Abs. 1 Nr. 1 AufenthG",
            met=True,
        )
    ]


def living_space_needed(sponsor_title: str) -> bool:
    """Whether the family member must show sufficient living space (§ 29 Abs. 1 S. 1 Nr. 2 AufenthG):
    yes unless § 29 Abs. 5 waives it for the sponsor's title."""
    return sponsor_title not in catalogue.LIVING_SPACE_WAIVED_SPONSOR_TITLES


def _living_space(profile: Profile) -> list[Reason]:
    joining = profile.joining
    if joining is None or joining.sponsor_title not in catalogue.FAMILY_SPONSOR_TITLES:
        return []
    if not living_space_needed(joining.sponsor_title):
        title = catalogue.TITLES[joining.sponsor_title]
        return [Reason("living_space",
                       format_lazy(_("No proof of living space is needed to join a holder of the title {name} "
                                     "({section})."), name=title.name, section=title.section),
                       "§ 29 Abs. 5 AufenthG", met=True)]
    # The portal cannot measure a flat: unmet but fixable, so the verdict says what to hand in.
    return [Reason("living_space",
                   _("Sufficient living space for the family must be shown (for example with the rental "
                     "contract); for this title the law does not waive it."),
                   "§ 29 Abs. 1 S. 1 Nr. 2 AufenthG", met=False)]


def assess_30(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
    source = "§ 30 Abs. 1 AufenthG"
    result.reasons.extend(_sponsor(profile, "spouse", source))
    age = age_on(profile, context.on_date, context.on_date)
    # § 30 Abs. 1 S. 1 Nr. 1 AufenthG: both spouses 18 or older (the hardship exception of
    # Abs. 2 is the authority's discretion).
    result.reasons.append(
        Reason(
            "spouse_adult",
            format_lazy(_("Both spouses must be 18 or older; the profile states age {age}."), age=age),
            "§ 30 Abs. 1 S. 1 Nr. 1 AufenthG",
            met=age >= 18,
            fixable=False,
        )
    )
    joining = profile.joining
    if joining is not None and joining.sponsor_title in catalogue.SKILLED_SPONSOR_TITLES:
        # § 30 Abs. 1 S. 3 Nr. 5 AufenthG (skilled workers' titles): no German needed.
        result.reasons.append(
            Reason(
                "german_level",
                _("No German is needed to join a skilled worker."),
                "§ 30 Abs. 1 S. 3 AufenthG",
                met=True,
            )
        )
    else:
        result.reasons.append(german_at_least(profile, "A1", "§ 30 Abs. 1 S. 1 Nr. 2 AufenthG"))
        result.german_needed = True
    result.reasons.extend(_living_space(profile))
    return result


def assess_32(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
    source = "§ 32 Abs. 1 AufenthG"
    result.reasons.extend(_sponsor(profile, "child", source))
    age = age_on(profile, context.on_date, context.on_date)
    result.reasons.append(
        Reason(
            "minor_unmarried",
            format_lazy(_("The child must be under 18 and unmarried; the profile states age {age}."), age=age),
            source,
            met=age < 18 and not profile.married,
            fixable=False,
        )
    )
    result.minor = age < 18
    result.reasons.extend(_living_space(profile))
    return result

