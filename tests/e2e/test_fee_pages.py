"""The fee pages in a browser (German, English, Arabic): the applicant's fee section and receipt, the
office at the counter (no online payment: "Pay at your appointment"), the back office's fees with the
record form, all free of axe (WCAG 2.1 A/AA) violations and of raw codes."""

import pytest
from django.urls import reverse

from applications.demo_procedure import demo_fee_pay
from applications.models import Case, FeeDue, FeeKind
from tests.e2e.test_accessibility import demo, sign_in  # noqa: F401 - the demo fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
RAW = ("residence_permit", "accelerated_procedure", "at_appointment", "fee_kind", "{%", "{{")


@pytest.mark.parametrize("language", ["de", "en", "ar"])
def test_fee_section_receipt_and_counter_payment(live_server, page, axe_violations, demo, language):  # noqa: F811
    # A case of the demo applicant still waiting for the appointment: its visa fee is payable.
    case = next(c for c in Case.objects.filter(person__user__email="applicant@demo.wsa.example").order_by("pk")
                if c.awaits_visa_appointment and FeeDue.objects.filter(case=c, kind=FeeKind.VISA).exists())
    demo_fee_pay(case=case, kind=FeeKind.VISA)
    fee = FeeDue.objects.select_related("office").get(case=case, kind=FeeKind.VISA)
    paths = [reverse("applicant:case_detail", args=[case.public_id]),
             reverse("applicant:fee_receipt", args=[case.public_id, fee.public_id])]
    sign_in(page, live_server, "applicant@demo.wsa.example", language)
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        text = page.locator("main").inner_text()
        assert "75" in text and not any(raw in text for raw in RAW), (path, text)
        assert axe_violations(page) == [], path

    # An office at the counter: the unpaid fee shows no "Pay now".
    FeeDue.objects.filter(pk=fee.pk).update(paid_at=None)
    fee.office.accepts_online_payment = False
    fee.office.save()
    page.goto(live_server.url + paths[0])
    section = page.locator("#fee")
    assert section.locator("form").count() == 0
    if language == "en":
        assert "Pay at your appointment" in section.inner_text()
    assert axe_violations(page) == []

    sign_in(page, live_server, "supervisor.wsa@demo.wsa.example", language)
    response = page.goto(live_server.url + reverse("backoffice:case_detail", args=[case.public_id]))
    assert response.status == 200
    fees = page.locator("section[aria-labelledby='fee-heading']")
    assert "75" in fees.inner_text() and not any(raw in fees.inner_text() for raw in RAW)
    assert axe_violations(page) == []
