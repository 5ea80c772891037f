"""Invitation links (colleagues of an employer, candidates of a case) and the candidate's consent page."""

from django.urls import path

from ..employer import views as employer
from ..views import representative

app_name = "invitation"
urlpatterns = [
    path("colleague/<str:token>/", employer.member_invitation, name="member"),
    path("case/<str:token>/", employer.candidate_invitation, name="candidate"),
    path("client/<str:token>/", representative.client_invitation, name="client"),
    path("consent/<uuid:public_id>/", employer.case_consent, name="consent"),
]
