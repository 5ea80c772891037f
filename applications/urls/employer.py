from django.urls import path

from ..employer import views as employer
from ..payments import views as payment_views
from ..views import after_arrival, mandates

app_name = "employer"
urlpatterns = [
    path("", employer.home, name="home"),
    path("export.csv", employer.export_csv, name="export_csv"),
    path("switch/", employer.switch_organisation, name="switch_organisation"),
    # The organisation and its people
    path("register/", employer.register, name="register"),
    path("organisation/", employer.organisation, name="organisation"),
    path("organisation/invite/", employer.member_invite, name="member_invite"),
    path("organisation/members/<uuid:user_public_id>/remove/", employer.member_remove, name="member_remove"),
    path("organisation/invitations/<uuid:public_id>/revoke/", employer.member_invitation_revoke,
         name="member_invitation_revoke"),
    # Cases
    path("cases/new/", employer.case_new, name="case_new"),
    path("cases/bulk/", employer.bulk, name="bulk"),
    path("cases/bulk/template.csv", employer.bulk_template, name="bulk_template"),
    path("cases/<uuid:public_id>/", employer.case_detail, name="case_detail"),
    path("cases/<uuid:public_id>/employment/", employer.case_employment, name="case_employment"),
    path("cases/<uuid:public_id>/accelerated/", employer.case_accelerated, name="case_accelerated"),
    path("cases/<uuid:public_id>/accelerated/fee/pay/", payment_views.employer_fee_pay, name="fee_pay"),
    path("cases/<uuid:public_id>/accelerated/fees/<uuid:fee_id>/receipt/", payment_views.employer_fee_receipt,
         name="fee_receipt"),
    path("cases/<uuid:public_id>/messages/", employer.case_message, name="case_message"),
    path("cases/<uuid:public_id>/invite-again/", employer.case_invite_again, name="case_invite_again"),
    path("cases/<uuid:public_id>/documents/<uuid:document_id>/", employer.case_document, name="case_document"),
    path("cases/<uuid:public_id>/employment-end/", after_arrival.employment_end, name="employment_end"),
    # Representatives acting for the organisation (mandates)
    path("representatives/", mandates.employer_representatives, name="representatives"),
    path("representatives/<uuid:public_id>/revoke/", mandates.employer_representative_revoke,
         name="representative_revoke"),
    # HR API
    path("tokens/", employer.tokens, name="tokens"),
    path("tokens/<uuid:public_id>/revoke/", employer.token_revoke, name="token_revoke"),
    path("webhooks/", employer.webhooks, name="webhooks"),
    path("webhooks/<uuid:public_id>/remove/", employer.webhook_disable, name="webhook_disable"),
]
