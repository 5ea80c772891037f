"""Fan-out when the WSA confirms completeness (`start_authority_review`): one request and one outbox row per
required office, in that transition's transaction; nothing at submit."""

import pytest

from applications import services as case_services
from applications.figures import rule_figures
from applications.lifecycle import CaseState
from applications.models import Case, Event
from authorities import services, tasks
from authorities.models import Authority, AuthorityKind, AuthorityRequest, ErrorCode, Outbox, RequestState
from tests.authorities.conftest import attend_appointment, confirm_complete, submit
from tests.procedure import employer_fee_pay
from wsa import queueing


@pytest.mark.django_db
def test_confirmed_completeness_gives_every_required_office_exactly_one_request(
        offices, make_case, django_capture_on_commit_callbacks):
    case = make_case("18a", accelerated=True, recognition="none", isco="3221")
    submit(case)
    assert not AuthorityRequest.objects.filter(case=case).exists() and not Outbox.objects.exists()
    case_services.case_transition(case=case, transition="start_completeness_check")
    assert not AuthorityRequest.objects.filter(case=case).exists()
    with django_capture_on_commit_callbacks() as callbacks:
        case_services.case_transition(case=case, transition="start_authority_review")
    # § 81a: the foreigners' authority's pre-approval waits for the employer's fee.
    assert not AuthorityRequest.objects.filter(case=case, purpose="pre_approval_81a").exists()
    # The hook does not add timeline entries of its own: the transitions' Events are the only ones.
    assert list(Event.objects.filter(case=case).values_list("kind", flat=True)) == ["transition"] * 3
    with django_capture_on_commit_callbacks() as paid_callbacks:
        employer_fee_pay(case)
    requests = AuthorityRequest.objects.filter(case=case).order_by("pk")
    assert [(r.purpose, r.authority) for r in requests] == [
        ("recognition", offices["nurses"]), ("ba_approval", offices["ba"]),
        ("visa", offices["visa_ind"]), ("register_check", offices["register"]),
        ("pre_approval_81a", offices["abh_be"]),
    ]
    assert all(r.state == RequestState.PENDING and r.outbox.count() == 1 for r in requests)
    assert {r.idempotency_key for r in requests} == {f"wsa:{case.public_id}:{r.purpose}" for r in requests}
    # Nothing was sent inside the transactions: the relay is only enqueued after the commit.
    for captured in (callbacks, paid_callbacks):
        assert any(getattr(c, "func", None) is queueing.enqueue and c.args[0].name == tasks.outbox_relay.name
                   for c in captured)
    # Running the fan-out again (a retried hook) creates nothing new.
    services.authority_requests_create(case=case, figures=rule_figures(), exclude={"residence_permit"})
    assert AuthorityRequest.objects.filter(case=case).count() == 5 and Outbox.objects.count() == 5


@pytest.mark.django_db
def test_requests_roll_back_with_a_failed_completeness_confirmation(offices, make_case, monkeypatch):
    case = make_case("18b")
    submit(case)
    case_services.case_transition(case=case, transition="start_completeness_check")
    create = services.authority_requests_create

    def created_then_broken(**kwargs):
        create(**kwargs)
        raise RuntimeError("a later step fails")

    monkeypatch.setattr("applications.procedure.authority_services.authority_requests_create", created_then_broken)
    with pytest.raises(RuntimeError):
        case_services.case_transition(case=case, transition="start_authority_review")
    assert Case.objects.get(pk=case.pk).state == CaseState.COMPLETENESS_CHECK
    assert not AuthorityRequest.objects.exists() and not Outbox.objects.exists()


@pytest.mark.django_db
def test_a_missing_office_is_recorded_on_the_case_and_can_be_routed_later(offices, make_case):
    Authority.objects.filter(kind=AuthorityKind.REGISTER).delete()
    case = make_case("18b")
    confirm_complete(case)  # does not raise
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW
    failed = AuthorityRequest.objects.get(case=case, purpose="register_check")
    assert (failed.state, failed.error_code, failed.authority) == (RequestState.FAILED, ErrorCode.NO_OFFICE, None)
    assert "No register authority" in failed.last_error
    assert not failed.outbox.exists()
    assert AuthorityRequest.objects.filter(case=case, state=RequestState.PENDING).count() == 2

    assert services.authority_request_reroute(request=failed) is False  # still no office
    register = Authority.objects.create(kind=AuthorityKind.REGISTER, name="BVA")
    assert services.authority_request_reroute(request=failed) is True
    failed.refresh_from_db()
    assert (failed.state, failed.authority, failed.error_code, failed.outbox.count()) == (
        RequestState.PENDING, register, "", 1)


@pytest.mark.django_db
def test_a_case_without_a_known_title_goes_to_review_without_requests(offices, make_case):
    case = make_case("18b")
    Case.objects.filter(pk=case.pk).update(title_code="")
    case.refresh_from_db()
    confirm_complete(case)
    assert case.state == CaseState.AUTHORITY_REVIEW and not AuthorityRequest.objects.exists()


@pytest.mark.django_db
def test_report_entry_asks_the_foreigners_authority_for_the_residence_permit(offices, make_case):
    case = make_case("18b")
    confirm_complete(case)
    for request in AuthorityRequest.objects.filter(case=case).exclude(purpose="visa"):
        services.authority_request_record_answer(request=request, outcome="approved")
    attend_appointment(case)
    case_services.case_transition(case=case, transition="grant_visa")
    assert not AuthorityRequest.objects.filter(case=case, purpose="residence_permit").exists()
    case_services.case_transition(case=case, transition="report_entry")
    permit = AuthorityRequest.objects.get(case=case, purpose="residence_permit")
    assert permit.authority == offices["abh_be"] and permit.outbox.count() == 1


@pytest.mark.django_db
def test_relay_runs_after_the_commit_and_delivers(offices, make_case, django_capture_on_commit_callbacks):
    case = make_case("18b")
    with django_capture_on_commit_callbacks(execute=True):
        confirm_complete(case)
    requests = AuthorityRequest.objects.filter(case=case)
    # The approvals are answered; the visa office waits for the applicant (receipt confirmed).
    assert {(r.purpose, r.state) for r in requests} == {
        ("ba_approval", RequestState.ANSWERED), ("register_check", RequestState.ANSWERED),
        ("visa", RequestState.ACKNOWLEDGED)}
    assert not Outbox.objects.exclude(state="delivered").exists()


@pytest.mark.django_db(transaction=True)  # the deliveries commit, so their after-commit fetches run
def test_a_fan_out_is_one_relay_task_and_its_answers_one_fetch_task(offices, make_case, monkeypatch):
    """Tasks cost more than rows: the fan-out's four deliveries travel as one task (the § 81a pre-approval,
    sent once the employer paid its fee, as a second), and the five answers the simulated offices then
    have are fetched by one task (not ten tasks)."""
    queued = []
    monkeypatch.setattr(queueing, "enqueue",
                        lambda task, args, **options: queued.append((getattr(task, "name", task), args)))
    case = make_case("18a", accelerated=True, recognition="none", isco="3221")
    confirm_complete(case)  # commits: the relay is queued after the commit
    outbox_ids = sorted(Outbox.objects.filter(request__case=case).values_list("pk", flat=True))
    assert [(name, sorted(args[0])) for name, args in queued] == [("authorities.tasks.outbox_relay", outbox_ids[:4]),
                                                                  ("authorities.tasks.outbox_relay", outbox_ids[4:])]
    queued.clear()
    results = services.outbox_relay_deliver_many(outbox_ids=outbox_ids)
    assert results == ["delivered"] * 5
    request_ids = list(AuthorityRequest.objects.filter(case=case).order_by("pk").values_list("pk", flat=True))
    assert [(name, sorted(args[0])) for name, args in queued] == [("authorities.tasks.authority_answer_fetch",
                                                                  request_ids)]


@pytest.mark.django_db
def test_relay_and_fetch_batches_are_capped(monkeypatch):
    queued = []
    monkeypatch.setattr(queueing, "enqueue", lambda task, args, **options: queued.append(args[0]))
    services.outbox_enqueue(list(range(1, 46)))
    assert [len(batch) for batch in queued] == [20, 20, 5]
    queued.clear()
    with services.answer_fetches_batched():
        for request_id in [*range(1, 26), 3]:  # a request asked for twice is fetched once
            services.answer_fetch_enqueue(request_id)
        assert queued == []  # nothing leaves before the batch is complete
    assert [len(batch) for batch in queued] == [20, 5]


@pytest.mark.django_db
def test_the_wsa_is_told_which_steps_found_no_office_and_sends_them_again_from_the_case_file(client, offices,
                                                                                              make_case):
    """"Done: Send to the authorities" stood above steps that had gone nowhere, and only the admin could send
    them again."""
    from django.urls import reverse

    from accounts.models import Membership, Role
    from tests.auth import force_login_with_second_factor, give_totp
    from tests.factories import UserFactory, wsa_caseworker

    Authority.objects.filter(kind=AuthorityKind.REGISTER).delete()
    case = make_case("18b")
    submit(case)
    case_services.case_transition(case=case, transition="start_completeness_check")
    force_login_with_second_factor(client, wsa_caseworker())
    sent = client.post(reverse("backoffice:case_transition", args=[case.public_id, "start_authority_review"]),
                       HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert "no responsible office was found for: Register and security checks" in sent
    assert "Done: " not in sent
    assert "Look for the responsible office again and send" in sent
    assert "Look for the responsible office again and send: Register and security checks" in sent  # what to do now
    assert "there is nothing for you to decide" not in sent
    failed = AuthorityRequest.objects.get(case=case, purpose="register_check")
    url = reverse("backoffice:step_reroute", args=[case.public_id, failed.public_id])
    still = client.post(url, HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert "Still no office is responsible for this step here" in still
    register = Authority.objects.create(kind=AuthorityKind.REGISTER, name="BVA")
    routed = client.post(url, HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert "The step was sent to BVA." in routed
    failed.refresh_from_db()
    assert (failed.state, failed.authority) == (RequestState.PENDING, register)
    assert client.post(url).status_code == 404  # routed: nothing left to route
    # Only the WSA routes: another office's caseworker gets 404 for a step that still has no office.
    AuthorityRequest.objects.filter(pk=failed.pk).update(state=RequestState.FAILED, error_code=ErrorCode.NO_OFFICE,
                                                         authority=None)
    other = give_totp(UserFactory())
    Membership.objects.create(user=other, organisation=offices["ba"].organisation, role=Role.CASEWORKER)
    force_login_with_second_factor(client, other)
    assert client.post(url).status_code == 404
    failed.refresh_from_db()
    assert failed.authority is None
