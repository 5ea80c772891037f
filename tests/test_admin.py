"""The Django admin: change list, add (where allowed) and change page of every registered model load."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import EmploymentFactory, MembershipFactory, UserFactory

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
