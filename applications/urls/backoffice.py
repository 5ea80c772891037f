from django.urls import path

from ..payments import views as payment_views
from ..views import ba_approvals, backoffice, household_backoffice

app_name = "backoffice"
case = "cases/<uuid:public_id>/"
urlpatterns = [
    path("", backoffice.home, name="home"),
    path("statistics/", backoffice.statistics, name="statistics"),
    path(case, backoffice.case_detail, name="case_detail"),
    path(case + "claim/", backoffice.case_claim, name="case_claim"),
    path(case + "release/", backoffice.case_release, name="case_release"),
    path(case + "transition/<slug:name>/", backoffice.case_transition, name="case_transition"),
    path(case + "ba-approval/", ba_approvals.ba_approval_on_file, name="ba_approval_on_file"),
    path(case + "request-documents/", backoffice.case_request_documents, name="case_request_documents"),
    path(case + "messages/", backoffice.case_message, name="case_message"),
    path(case + "fees/<uuid:fee_id>/paid-in-person/", payment_views.office_fee_record, name="fee_record"),
    path(case + "fees/<uuid:fee_id>/receipt/", payment_views.office_fee_receipt, name="fee_receipt"),
    path(case + "notes/", backoffice.case_note, name="case_note"),
    path(case + "steps/<str:step_id>/answer/", backoffice.authority_step_answer, name="step_answer"),
    path(case + "steps/<str:step_id>/resend/", backoffice.authority_step_resend, name="step_resend"),
    path(case + "steps/<str:step_id>/reroute/", backoffice.authority_step_reroute, name="step_reroute"),
    path(case + "decide/<slug:kind>/", backoffice.decision_create, name="decision_create"),
    path(case + "family-permits/", household_backoffice.family_permits, name="family_permits"),
    path(case + "decisions/<uuid:decision_id>/approve/", backoffice.decision_approve, name="decision_approve"),
    path(case + "decisions/<uuid:decision_id>/send-back/", backoffice.decision_send_back, name="decision_send_back"),
    path(case + "decisions/<uuid:decision_id>/pdf/", backoffice.decision_pdf, name="decision_pdf"),
    path(case + "decisions/<uuid:decision_id>/draft-pdf/", backoffice.decision_draft_pdf, name="decision_draft_pdf"),
    path(case + "documents/<uuid:document_id>/download/", backoffice.document_download, name="document_download"),
    path(case + "documents/<uuid:document_id>/preview/", backoffice.document_preview, name="document_preview"),
]
