from django.urls import path

from ..views import representative

app_name = "representative"
case = "cases/<uuid:public_id>/"
urlpatterns = [
    path("", representative.home, name="home"),
    path("export.csv", representative.export_csv, name="export_csv"),
    path("register/", representative.register, name="register"),
    path("organisation/", representative.organisation, name="organisation"),
    path("organisation/invite/", representative.member_invite, name="member_invite"),
    path("organisation/members/<uuid:user_public_id>/remove/", representative.member_remove, name="member_remove"),
    path("organisation/invitations/<uuid:public_id>/revoke/", representative.member_invitation_revoke,
         name="member_invitation_revoke"),
    path("clients/new/", representative.client_new, name="client_new"),
    path("clients/invitations/<uuid:public_id>/send-again/", representative.client_invitation_send_again,
         name="client_invitation_send_again"),
    path("clients/invitations/<uuid:public_id>/withdraw/", representative.client_invitation_withdraw,
         name="client_invitation_withdraw"),
    path(case, representative.case_detail, name="case_detail"),
    path(case + "messages/", representative.case_message, name="case_message"),
    path(case + "documents/", representative.case_upload, name="case_upload"),
    path(case + "provide-documents/", representative.case_provide, name="case_provide"),
    path(case + "submit/", representative.case_submit, name="case_submit"),
    path(case + "decisions/<uuid:decision_id>/pdf/", representative.decision_download, name="decision_download"),
]
