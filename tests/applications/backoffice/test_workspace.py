"""The caseworker workspace: sections, the conditions checklist, plain language for every finding code and
every office answer, only the actions the stage and the office allow (and a clear refusal of the others),
and earlier drafts never shown as the case's decision."""

import re
import uuid
from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from accounts.models import Role
from applications import services
from applications.models import Decision
from authorities.answer_texts import answer_reason_codes, answer_reason_text
from authorities.models import AuthorityRequest
from documents.checks.findings import CATALOGUE
from documents.models import Document, Finding
from tests.auth import reauthenticated
from tests.procedure import offices_done

from .conftest import login

pytestmark = pytest.mark.django_db

CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")


class _Visible(HTMLParser):
    """The text a person sees: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def page(client, case, language="de"):
    response = client.get(reverse("backoffice:case_detail", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


# Plausible values for the placeholders of each finding (what the checks write into field/expected/found).
FINDING_VALUES = {
    "mrz_check_digit": {"field": "birth_date, composite"},
    "mrz_invalid_date": {"field": "expiry_date", "found": "991332"},
    "mrz_unreadable": {"field": "document_number"},
    "mrz_name_uncertain": {"field": "surname, given_names"},
    "mrz_characters_uncertain": {"field": "document_number", "found": "line 2 position 4: S or 8"},
    "document_type_unexpected": {"field": "document_type", "expected": "employment_contract, passport",
                                 "found": "degree_certificate"},
    "name_mismatch": {"field": "surname", "expected": "SHARMA", "found": "SHARNA"},
    "birth_date_mismatch": {"field": "birth_date", "expected": "1990-01-02", "found": "1990-02-01"},
    "salary_below_threshold": {"field": "annual_gross_salary", "expected": "50700.00", "found": "42000.00"},
    "contract_salary_differs": {"field": "annual_gross_salary", "expected": "58200.00", "found": "52000.00"},
    "contract_hours_differ": {"field": "weekly_hours", "expected": "40.0", "found": "38.5"},
    "contract_start_differs": {"field": "start_date", "expected": "2027-04-01", "found": "2027-06-01"},
}


def _document_with_every_finding(case):
    document = Document(owner=case.person, case=case, document_type="passport", original_name="scan.pdf",
                        sha256="0" * 64, size=10, content_type="application/pdf", state="needs_attention",
                        extracted={"surname": "SHARMA", "birth_date": "1990-01-02", "requirement": "anabin_or_zab",
                                   "document_type": "passport", "salary_period": "month", "document_code": "P"})
    document.file.save("x", ContentFile(b"%PDF-1.4 x"), save=False)
    document.save()
    codes = [*CATALOGUE, "finding_of_an_older_version"]
    Finding.objects.bulk_create(Finding(document=document, code=code, severity="warning", confidence=0.6,
                                        **FINDING_VALUES.get(code, {})) for code in codes)
    return document


ANSWERS = [
    # (purpose, office, outcome, conditions)
    ("ba_approval", "ba", "approved", {"employer": "Muster Software GmbH", "employer_ba_number": "12345678",
                                       "occupation": "Software Developer", "occupation_isco": "2512",
                                       "duration_months": 36, "weekly_hours": "40"}),
    ("recognition", "zab", "rejected", {"equivalence": "partial", "measure": "qualification_measure_16d"}),
    ("register_check", "zab", "approved", {"hits": []}),
    ("register_check", "zab", "rejected", {"hits": ["SIS"]}),
    ("visa", "visa", "approved", {"valid_months": 6, "something_new": "x"}),
]


def _answered(case, offices, purpose, key, outcome, conditions=None, reason=""):
    return AuthorityRequest.objects.create(
        case=case, authority=offices[key].authority, purpose=purpose, state="answered", outcome=outcome,
        conditions=conditions or {}, response_body={"reason": reason, "note": "Siehe Akte."},
        idempotency_key=uuid.uuid4().hex, sent_at=timezone.now(), answered_at=timezone.now(),
        due_at=timezone.now())


@pytest.mark.parametrize("language", ["de", "en"])
def test_no_code_reaches_the_caseworker(client, make_case, make_staff, offices, language):
    case = make_case("authority_review")
    _document_with_every_finding(case)
    for purpose, key, outcome, conditions in ANSWERS:
        _answered(case, offices, purpose, key, outcome, conditions)
    for reason in [*answer_reason_codes(), "a_reason_nobody_knows"]:
        _answered(case, offices, "ba_approval", "ba", "information_needed", reason=reason)
    deemed = _answered(case, offices, "ba_approval", "ba", "approved")
    AuthorityRequest.objects.filter(pk=deemed.pk).update(deemed_approval=True)
    login(client, make_staff("wsa"))
    text = visible_text(page(client, case, language))
    assert CODE.findall(text) == []
    assert 'expected ""' not in text and "“”" not in text and "confidence" not in text
    with override(language):
        for reason in answer_reason_codes():
            assert answer_reason_text(reason) in text, reason
    if language == "en":
        for sentence in ["This looks like a Degree certificate, but a Employment contract, Passport was expected",
                         "A check digit in the machine-readable zone does not match (date of birth, overall check "
                         "digit)", "has no description", "The office gave a reason the portal cannot describe",
                         "Limited to 36 months.", "No entries were found in the registers.",
                         "Entries were found in: SIS.", "The qualification is partly equivalent.",
                         "Deemed approved", "Date of birth", "Read from the document"]:
            assert sentence in text, sentence
        # What the checks keep for themselves (the checklist item, the salary period) is not shown.
        assert "anabin_or_zab" not in text and "month" not in text.split("Read from the document")[1][:200]


def test_the_overview_puts_the_conditions_with_their_sources_beside_the_person(client, make_case, make_staff):
    case = make_case("completeness_check")
    login(client, make_staff("wsa"))
    text = visible_text(page(client, case, "en"))
    overview = text.split("Conditions of the residence title")[1].split("Documents")[0]
    for expected in ["§ 5 Abs. 1 Nr. 2 AufenthG", "§ 5 Abs. 1 Nr. 4, § 3 AufenthG", "to check"]:
        assert expected in overview, expected
    # Judged on what the application states, and said so: a degree "recognised" is the applicant's word until the
    # documents or the recognition body show it.
    assert "met as entered" in overview
    assert "“As entered” means judged on what the application states" in overview
    for anchor in ("#overview", "#documents", "#authorities", "#messages", "#timeline", "#decisions"):
        assert f'href="{anchor}"' in page(client, case, "en")


def test_each_office_sees_only_what_the_stage_allows_and_a_refused_post_says_why(
        client, make_case, make_staff, add_request):
    case = make_case("submitted")
    add_request(case, "ba")
    wsa, ba = make_staff("wsa"), make_staff("ba", name="Mehmet Yilmaz")
    transition = reverse("backoffice:case_transition", args=[case.public_id, "start_authority_review"])

    login(client, wsa)
    html = page(client, case, "en")
    assert "Start the completeness check" in html or "completeness" in visible_text(html).lower()
    assert f'action="{transition}"' not in html  # not before the completeness check
    refused = client.post(transition, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert "This action is not possible for you at this stage of the case" in refused.content.decode()
    case.refresh_from_db()
    assert case.state == "submitted"

    login(client, ba)
    html = page(client, case, "en")
    assert "backoffice:case_transition" not in html and "/transition/" not in html
    assert "Answer: Approval of the Federal Employment Agency" in html
    assert "Send message" not in html and "Messages to the applicant are written by the WSA." in html
    for url in (reverse("backoffice:case_transition", args=[case.public_id, "start_completeness_check"]),
                reverse("backoffice:case_message", args=[case.public_id]),
                reverse("backoffice:case_request_documents", args=[case.public_id])):
        response = client.post(url, {"message-body": "hi"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 403, url
        assert "not possible for you at this stage" in response.content.decode()
    assert client.get(reverse("backoffice:decision_create", args=[case.public_id, "visa"])).status_code == 403


def test_a_draft_sent_back_is_not_the_decision_once_the_visa_is_granted(
        client, make_case, make_staff, add_request):
    case = make_case("visa_decision")
    add_request(case, "visa", purpose="visa")
    offices_done(case)
    caseworker = make_staff("visa", name="Anna Schulz")
    supervisor = make_staff("visa", Role.SUPERVISOR, name="Jonas Becker")
    draft = services.decision_create(case=case, actor=caseworker, kind="visa", outcome="rejected",
                                     legal_basis="§ 18g Abs. 1 AufenthG", reasons="Unterlagen fehlen.")
    reauthenticated(login(client, supervisor))
    html = page(client, case, "en")
    assert "Approve and issue" in html and "A rejection waits for your approval" in html
    assert "Decide on the visa" not in html  # one decision at a time: this one waits for the approval
    services.decision_send_back(decision=draft, actor=supervisor, note="Please check again.")
    case.refresh_from_db()
    login(client, caseworker)
    decisions = visible_text(page(client, case, "en")).split("Decisions (")[-1]
    assert "rejected — draft (sent back by the supervisor)" in decisions  # still in play: the case waits

    services.decision_create(case=case, actor=caseworker, kind="visa", outcome="granted",
                             legal_basis="§ 18g Abs. 1 AufenthG")
    case.refresh_from_db()
    assert case.state == "visa_granted"
    text = visible_text(page(client, case, "en"))
    current = text.split("Decisions")[-1].split("earlier draft")[0]
    assert "National visa: granted — issued" in current
    assert "rejected — draft" not in current
    assert "1 earlier draft, not in force" in text
    # Nothing to decide any more: no decision button, no answer to the visa step, and the form answers
    # with the reason.
    assert "Decide on the visa" not in text and "Answer for your office" not in text
    assert "Answer: National visa" not in text
    refused = client.get(reverse("backoffice:decision_create", args=[case.public_id, "visa"]),
                         HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403 and "not possible for you at this stage" in refused.content.decode()
    assert Decision.objects.filter(case=case).count() == 2


def test_the_completeness_check_sees_which_required_documents_are_missing(client, make_case, make_staff):
    """The WSA confirmed completeness beside "Documents (0)" with nothing saying what the title requires."""
    case = make_case("completeness_check")
    login(client, make_staff("wsa"))
    text = visible_text(page(client, case, language="en"))
    required = text.split("What the residence title requires before the visa")[1].split("No documents yet")[0]
    assert "missing Valid passport with two blank pages" in required
    assert "Documents the residence title requires are missing: Valid passport with two blank pages" in text
    passport = Document(owner=case.person, case=case, document_type="passport", original_name="pass.pdf",
                        sha256="1" * 64, size=10, content_type="application/pdf", state="checked",
                        extracted={"requirement": "passport"})
    passport.file.save("p", ContentFile(b"%PDF-1.4 x"), save=False)
    passport.save()
    text = visible_text(page(client, case, language="en"))
    assert "handed in Valid passport with two blank pages" in text
    assert "missing: Valid passport" not in text and "missing: Two biometric passport photos" in text


def test_the_address_reads_as_one_line_with_its_commas(client, make_case, make_staff):
    case = make_case("completeness_check")
    type(case.person).objects.filter(pk=case.person_id).update(
        street="Khreshchatyk 22", postal_code="01001", city="Kyiv", country_of_residence="UKR")
    login(client, make_staff("wsa"))
    text = visible_text(page(client, case, language="en"))
    assert "Khreshchatyk 22, 01001 Kyiv, Ukraine" in text


def test_a_contract_saying_other_than_the_application_is_named_among_the_conditions(client, make_case, make_staff):
    """The conditions read "met as entered" on the application's salary while the contract beside them said
    another: the list names the difference, and its legend no longer says the documents confirm it."""
    case = make_case("completeness_check")
    login(client, make_staff("wsa"))
    sentence = "The employment contract states other terms than the application"
    overview = visible_text(page(client, case, "en")).split("Conditions of the residence title")[1]
    assert sentence not in overview and "compare it with the documents" in overview
    _document_with_every_finding(case)
    overview = visible_text(page(client, case, "en")).split("Conditions of the residence title")[1]
    assert sentence in overview.split("Documents")[0]
    text = visible_text(page(client, case, "de"))
    assert "52.000,00 €, im Antrag aber 58.200,00 €" in text and "38,5 Stunden, im Antrag aber 40" in text
    assert "am 1. Juni 2027, laut Antrag am 1. April 2027" in text
    # Said to the caseworker, not the applicant's advice ("correct the application … tell the case team").
    assert "Bitte klären Sie, welcher Wert gilt." in text and "teilen Sie" not in text


def test_a_document_still_being_checked_does_not_read_no_findings(client, make_case, make_staff):
    """"The checks are still running" stood beside "No findings" for the same document."""
    case = make_case("completeness_check")
    document = Document(owner=case.person, case=case, document_type="cv", original_name="cv.pdf", sha256="2" * 64,
                        size=10, content_type="application/pdf", state="uploaded")
    document.file.save("c", ContentFile(b"%PDF-1.4 x"), save=False)
    document.save()
    login(client, make_staff("wsa"))
    text = visible_text(page(client, case, language="en"))
    section = text.split("cv.pdf")[1].split("Requests for documents")[0]
    assert "The checks are still running." in section and "No findings." not in section
