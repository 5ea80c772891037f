"""Change of purpose in Germany: from a title for studies (§ 16b AufenthG), vocational training (§ 16a)
or job search after them (§ 20) to work as a skilled worker (§§ 18a, 18b), the EU Blue Card (§ 18g) or
job search (§ 20).

Pure Python: the caller passes the title and what the profile says about the holder's qualifications.
The law as read in the AufenthG text of September 2026 and the BeschV text of May 2026:

- § 16b Abs. 4 and § 16a Abs. 1 S. 2 AufenthG: during studies or in-company training a residence
  permit for another purpose may be issued; only temporary employment under § 19c Abs. 1 with a BeschV
  rule for temporary work is barred. So the switch may come before the degree, if the holder is
  already a skilled worker (e.g. with a recognised foreign degree).
- § 18 Abs. 3 AufenthG: a German vocational training or degree makes a skilled worker (Fachkraft)
  without any recognition; a foreign one needs equivalence (Nr. 1) or recognition/comparability (Nr. 2).
- § 20 Abs. 1 Nr. 1 (after studies in Germany under § 16b) and Nr. 3 (after qualified vocational
  training in Germany under § 16a, as of right): a permit to look for work, up to 18 months (Abs. 2
  S. 2), livelihood secured (Abs. 2 S. 1); no extension beyond that (Abs. 2 S. 4), so a § 20 holder is
  not offered § 20 again.
- BA approval: §§ 18a, 18b need it (§ 18 Abs. 2 Nr. 2, § 39 AufenthG). The BeschV in force has no
  exemption for graduates of German universities or training (its § 2 now covers placement agreements);
  § 9 BeschV (two years of insured employment, three years of stay with § 16b time counted half, at most
  two years, § 9 Abs. 3) may spare it, which the portal cannot see: cautiously the BA is asked. § 18g:
  none at the standard salary threshold, with approval at the lower one (§ 18g Abs. 1 S. 2: shortage
  occupations or a degree less than three years old). § 20: job search, no approval.
- § 81 Abs. 4 S. 1 AufenthG: applying before the current title expires for "the grant of another
  residence title" keeps it in force until the decision, as with an extension. After expiry the portal
  does not take the switch: the foreigners' authority must be asked (cautious choice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

# Titles whose holders may switch through the portal, and the titles they may switch to.
SWITCH_FROM = ("16b", "16a", "20")
SWITCH_TARGETS = ("18a", "18b", "18g", "20")
# § 81 Abs. 4 S. 2 excludes only Schengen visas: a national visa continues like a residence permit.
SWITCH_KINDS = ("residence_permit", "national_visa")

YES = "yes"
NO = "no"

BA_SOURCE = {
    "18a": "§ 18 Abs. 2 Nr. 2, § 39 AufenthG",
    "18b": "§ 18 Abs. 2 Nr. 2, § 39 AufenthG",
    "18g": "§ 18g Abs. 1 AufenthG",
    "20": "§ 20 AufenthG",
}
FROM_SOURCE = {"16b": "§ 16b Abs. 4 AufenthG", "16a": "§ 16a Abs. 1 S. 2 AufenthG", "20": "§ 20 AufenthG"}


@dataclass(frozen=True)
class Qualifications:
    """What the profile says: German degree / training, and foreign ones recognised or comparable."""

    german_degree: bool = False
    german_training: bool = False
    foreign_degree_recognised: bool = False
    foreign_training_recognised: bool = False

    @property
    def academic(self) -> bool:
        return self.german_degree or self.foreign_degree_recognised

    @property
    def vocational(self) -> bool:
        return self.german_training or self.foreign_training_recognised


@dataclass(frozen=True)
class SwitchStart:
    allowed: bool
    text: str
    source: str


@dataclass(frozen=True)
class TargetVerdict:
    code: str
    eligible: str  # YES | NO
    text: str
    source: str
    ba: str  # "yes" | "no" | "if_lower_salary"
    ba_text: str

    @property
    def ok(self) -> bool:
        return self.eligible == YES


def switch_start(*, code: str, kind: str, ended: bool, valid_until: date | None, today: date) -> SwitchStart:
    """Whether the title may be switched through the portal at all, with the reason."""
    if code not in SWITCH_FROM or kind not in SWITCH_KINDS:
        return SwitchStart(False, _(
            "A change of purpose through the portal is open to holders of a residence permit for studies, "
            "vocational training or job search after them. For your title, ask the foreigners' authority."),
            "§§ 16a, 16b, 20 AufenthG")
    if ended or (valid_until is not None and valid_until < today):
        return SwitchStart(False, _(
            "Your residence title has ended. The law keeps a title in force only for applications made before "
            "it expires (Section 81 (4) Residence Act). Contact the foreigners' authority now; do not work "
            "until it has told you that you may."), "§ 81 Abs. 4 AufenthG")
    return SwitchStart(True, _(
        "You may apply for a residence title for another purpose while you hold this one. If you apply before "
        "it expires, your current title stays in force until the foreigners' authority decides."),
        f"{FROM_SOURCE[code]}; § 81 Abs. 4 S. 1 AufenthG")


def _ba(code: str) -> tuple[str, str]:
    if code in ("18a", "18b"):
        return YES, _(
            "The Federal Employment Agency must approve the job (working conditions, no priority check). The "
            "current rules have no exemption for graduates of German universities or training; the foreigners' "
            "authority checks whether two years of insured employment or three years of stay spare it.")
    if code == "18g":
        return "if_lower_salary", _(
            "No approval of the Federal Employment Agency at the standard salary threshold; below it (shortage "
            "occupations, or a degree less than three years old) the Agency must approve.")
    return NO, _("Looking for work needs no approval of the Federal Employment Agency.")


def switch_targets(*, current_code: str, qualifications: Qualifications) -> tuple[TargetVerdict, ...]:
    """Each title the holder of `current_code` may switch to, eligible or not, with the reason and source."""
    verdicts = []
    for code in SWITCH_TARGETS:
        ba, ba_text = _ba(code)
        if code in ("18b", "18g"):
            eligible = qualifications.academic
            text = (_("You hold a German degree, or a foreign one that is recognised or comparable.") if eligible
                    else _("This needs a German university degree, or a foreign one that is recognised or "
                           "comparable to a German degree (anabin H+ or a ZAB statement)."))
            source = ("§ 18b, § 18 Abs. 3 Nr. 2 AufenthG" if code == "18b"
                      else "§ 18g Abs. 1, § 18 Abs. 3 Nr. 2 AufenthG")
            if code == "18g":
                text = _("%(qualification)s The job must fit the degree, pay at least the Blue Card salary "
                         "threshold and last at least six months.") % {"qualification": text}
        elif code == "18a":
            eligible = qualifications.vocational
            text = (_("You hold a German vocational qualification, or a foreign one declared equivalent.")
                    if eligible else
                    _("This needs a qualified vocational training completed in Germany, or a foreign vocational "
                      "qualification declared equivalent by a recognition body."))
            source = "§ 18a, § 18 Abs. 3 Nr. 1 AufenthG"
        else:
            if current_code == "20":
                eligible = False
                text = _("Your title is already one for looking for work; it cannot be extended beyond its "
                         "period for the same purpose.")
                source = "§ 20 Abs. 2 S. 4 AufenthG"
            elif current_code == "16a":
                eligible = qualifications.german_training
                text = (_("After a qualified vocational training completed in Germany you are entitled to up "
                          "to 18 months to look for a job that fits it, if your livelihood is secured.")
                        if eligible else
                        _("This needs a qualified vocational training completed in Germany (recorded in your "
                          "profile)."))
                source = "§ 20 Abs. 1 Nr. 3, Abs. 2 AufenthG"
            else:
                eligible = qualifications.german_degree
                text = (_("After studies completed in Germany you get up to 18 months to look for a job that "
                          "fits your degree, if your livelihood is secured.")
                        if eligible else
                        _("This needs studies completed successfully in Germany (a German degree in your "
                          "profile)."))
                source = "§ 20 Abs. 1 Nr. 1, Abs. 2 AufenthG"
        verdicts.append(TargetVerdict(code, YES if eligible else NO, str(text), source, ba, str(ba_text)))
    return tuple(verdicts)


def target_verdict(*, current_code: str, target: str, qualifications: Qualifications) -> TargetVerdict | None:
    return next((v for v in switch_targets(current_code=current_code, qualifications=qualifications)
                 if v.code == target), None)
