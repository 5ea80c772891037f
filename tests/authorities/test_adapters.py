"""The adapter plugins: registry, what each office gets, how answers are read."""

import pytest

from authorities.adapters.base import AdapterError, AnswerError, BasePlugin
from authorities.adapters.registry import Registry, adapter_for, register
from authorities.admin import AuthorityForm
from authorities.models import Authority, AuthorityKind, AuthorityRequest
from tests.authorities.conftest import confirm_complete


def test_every_kind_has_an_adapter_plus_demo_and_failing_demo():
    assert {plugin.identifier for plugin in register} == {*AuthorityKind.values, "demo", "failing-demo"}


def test_duplicate_ids_are_rejected():
    registry = Registry()

    @registry("x")
    class First(BasePlugin):
        pass

    with pytest.raises(ValueError, match="already present"):
        @registry("x")
        class Second(BasePlugin):
            pass

    assert isinstance(registry["x"], First)


@pytest.mark.django_db
def test_each_office_gets_only_what_it_needs(offices, make_case):
    case = make_case("18a", accelerated=True, recognition="none", isco="3221")
    confirm_complete(case)
    data = {r.purpose: adapter_for(r.authority).build_request(r)["data"]
            for r in AuthorityRequest.objects.filter(case=case)}
    assert set(data["ba_approval"]) >= {"employment", "employer"} and "passport" not in data["ba_approval"]
    assert "employment" not in data["register_check"] and data["register_check"]["passport"]["number"]
    assert data["recognition"]["qualifications"][0]["recognition"] == "none"
    assert "passport" not in data["recognition"]
    assert data["visa"]["passport"]["validUntil"] == "2032-01-01"
    assert all(d["reference"] == case.reference and d["purpose"] == p for p, d in data.items())


@pytest.mark.parametrize("body", [
    "not a dict", {"status": "done"}, {"status": "answered", "outcome": "perhaps"},
    {"status": "answered", "outcome": "approved", "conditions": ["x"]},
])
def test_garbage_answers_are_refused(body):
    with pytest.raises(AnswerError):
        register["ba"].parse_answer(body)


def test_answers_keep_only_known_conditions():
    answer = register["ba"].parse_answer({"status": "answered", "outcome": "approved",
                                          "conditions": {"employer": "M", "salary_secret": 1}, "reference": "R-1"})
    assert (answer.final, answer.outcome, answer.conditions, answer.reference) == (True, "approved",
                                                                                    {"employer": "M"}, "R-1")
    # Offices assign no appointment any more (the applicant books one): an `appointment` is ignored.
    receipt = register["visa_office"].parse_answer({"status": "acknowledged", "bookAppointment": True,
                                                    "appointment": "tomorrow"})
    assert (receipt.final, receipt.outcome) == (False, "") and not hasattr(receipt, "appointment")


@pytest.mark.django_db
def test_an_unknown_adapter_is_a_clear_delivery_error(offices, make_case):
    from authorities import services
    from authorities.models import Outbox

    offices["register"].adapter = "carrier-pigeon"
    offices["register"].save()
    case = make_case("18g")
    confirm_complete(case)
    row = Outbox.objects.get(request__purpose="register_check")
    assert services.outbox_relay_deliver(outbox_id=row.pk) == "retry"
    row.refresh_from_db()
    assert "unknown adapter 'carrier-pigeon'" in row.last_error


def test_production_wants_4096_bit_keys(settings, rsa_key):
    from authorities import crypto

    public = rsa_key.export_public(as_dict=True)
    assert crypto.public_key(public)
    settings.PRODUCTION = True
    with pytest.raises(crypto.CryptoError, match="at least 4096"):
        crypto.public_key(public)


@pytest.mark.django_db
@pytest.mark.parametrize(("debug", "demo_adapters", "offered"), [
    (False, False, False),
    (True, False, True),
    (False, True, True),
])
def test_demo_adapters_are_offered_and_used_only_where_they_are_on(settings, debug, demo_adapters, offered):
    settings.DEBUG, settings.WSA_DEMO_ADAPTERS = debug, demo_adapters
    choices = {value for value, _label in AuthorityForm().fields["adapter"].choices}
    assert ({"demo", "failing-demo"} <= choices) is offered
    assert set(AuthorityKind.values) <= choices
    office = Authority.objects.create(kind=AuthorityKind.BA, name="BA", adapter="demo")
    if offered:
        assert adapter_for(office).identifier == "demo"
    else:
        with pytest.raises(AdapterError, match="demo adapter"):
            adapter_for(office)
