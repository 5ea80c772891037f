"""The Django admin: change list, add (where allowed) and change page of every registered model load."""

import logging

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts import services as account_services
from accounts.models import ApiScope, OrganisationKind, Role, WebhookDelivery
from tests.factories import EmploymentFactory, MembershipFactory, OrganisationFactory, UserFactory

MODELS = [model for model in admin.site._registry]


@pytest.fixture
def admin_client_with_data(client, settings):
    settings.WSA_STAFF_MFA_REQUIRED = False
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    from applications import services
    employment = EmploymentFactory()
    services.case_submit(case=employment.case, actor=superuser)
    services.message_post(case=employment.case, author=superuser, body="Hello")
    MembershipFactory()
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_pages_load(admin_client_with_data, model):
    info = (model._meta.app_label, model._meta.model_name)
    changelist = admin_client_with_data.get(reverse("admin:%s_%s_changelist" % info), {"q": "a"})
    assert changelist.status_code == 200
    obj = model._default_manager.first()
    if obj is not None:
        change = admin_client_with_data.get(reverse("admin:%s_%s_change" % info, args=[obj.pk]))
        assert change.status_code == 200
    model_admin = admin.site._registry[model]
    add = admin_client_with_data.get(reverse("admin:%s_%s_add" % info))
    assert add.status_code == (200 if model_admin.has_add_permission(add.wsgi_request) else 403)


@pytest.mark.django_db
def test_timeline_is_read_only_in_admin(admin_client_with_data):
    from applications.models import Event

    event = Event.objects.first()
    response = admin_client_with_data.post(reverse("admin:applications_event_delete", args=[event.pk]),
                                           {"post": "yes"})
    assert response.status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


@pytest.fixture
def employer_owner():
    organisation = OrganisationFactory(kind=OrganisationKind.EMPLOYER)
    return MembershipFactory(organisation=organisation, role=Role.EMPLOYER_OWNER).user


@pytest.mark.django_db
def test_the_admin_revokes_tokens_through_the_service(admin_client_with_data, employer_owner, caplog):
    organisation = employer_owner.memberships.get().organisation
    token, _raw = account_services.api_token_create(organisation=organisation, actor=employer_owner, name="HR",
                                                    scopes=[ApiScope.CASES_READ])
    with caplog.at_level(logging.INFO, logger="accounts.services"):
        response = admin_client_with_data.post(reverse("admin:accounts_apitoken_changelist"),
                                               {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert f"API token {token.prefix} of organisation {organisation.pk} revoked" in caplog.text


@pytest.mark.django_db
def test_the_admin_sends_deliveries_again_through_the_service(admin_client_with_data, employer_owner, caplog):
    organisation = employer_owner.memberships.get().organisation
    endpoint, _secret = account_services.webhook_endpoint_create(organisation=organisation, actor=employer_owner,
                                                                 url="https://hr.example.com/hooks")
    failed = WebhookDelivery.objects.create(endpoint=endpoint, event_type="case.status_changed", payload={},
                                            state=WebhookDelivery.State.FAILED, attempts=8)
    succeeded = WebhookDelivery.objects.create(endpoint=endpoint, event_type="case.status_changed", payload={},
                                               state=WebhookDelivery.State.SUCCEEDED, attempts=1)
    with caplog.at_level(logging.INFO, logger="accounts.services"):
        response = admin_client_with_data.post(reverse("admin:accounts_webhookdelivery_changelist"),
                                               {"action": "retry_now", "_selected_action": [failed.pk, succeeded.pk]})
    assert response.status_code == 302
    failed.refresh_from_db()
    succeeded.refresh_from_db()
    assert failed.state == WebhookDelivery.State.PENDING and succeeded.state == WebhookDelivery.State.SUCCEEDED
    assert f"Webhook deliveries [{failed.pk}] set to be sent again" in caplog.text
