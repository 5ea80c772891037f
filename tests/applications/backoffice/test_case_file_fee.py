"""The case file shows the visa fee's state to the case team."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.procedure import fee_pay

from .conftest import login

pytestmark = pytest.mark.django_db


def test_the_case_file_shows_whether_the_fee_is_paid(client, make_case, make_staff):
    case = make_case("authority_review")
    login(client, make_staff("wsa"))
    url = reverse("backoffice:case_detail", args=[case.public_id])
    with translation.override("en"):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        html = client.get(url).content.decode()
        assert "€75.00" in html and "Not paid yet." in html
        fee_pay(case)
        html = client.get(url).content.decode()
    assert "Paid on" in html and "Not paid yet." not in html
