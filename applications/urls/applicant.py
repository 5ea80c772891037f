from django.urls import path

from ..views import applicant, appointments, mandates

app_name = "applicant"
urlpatterns = [
    path("", applicant.home, name="home"),
    # The once-only profile
    path("profile/", applicant.profile, name="profile"),
    path("profile/personal/", applicant.profile_personal, name="profile_personal"),
    path("profile/contact/", applicant.profile_contact, name="profile_contact"),
    path("profile/languages/", applicant.profile_languages, name="profile_languages"),
    path("profile/qualifications/add/", applicant.qualification_edit, name="qualification_add"),
    path("profile/qualifications/<int:pk>/", applicant.qualification_edit, name="qualification_edit"),
    path("profile/qualifications/<int:pk>/remove/", applicant.qualification_remove, name="qualification_remove"),
    path("profile/experience/add/", applicant.experience_edit, name="experience_add"),
    path("profile/experience/<int:pk>/", applicant.experience_edit, name="experience_edit"),
    path("profile/experience/<int:pk>/remove/", applicant.experience_remove, name="experience_remove"),
    path("profile/prefill/<uuid:public_id>/", applicant.passport_prefill, name="passport_prefill"),
    # The document library
    path("documents/", applicant.documents, name="documents"),
    path("documents/<uuid:public_id>/replace/", applicant.document_replace, name="document_replace"),
    path("documents/<uuid:public_id>/delete/", applicant.document_delete, name="document_delete"),
    # The application wizard
    path("apply/", applicant.apply_start, name="apply_start"),
    path("apply/new/", applicant.apply_new, name="apply_new"),
    path("apply/<uuid:public_id>/", applicant.apply_resume, name="apply_resume"),
    path("apply/<uuid:public_id>/done/", applicant.apply_done, name="apply_done"),
    path("apply/<uuid:public_id>/<slug:step>/", applicant.apply_step, name="apply_step"),
    # Cases
    path("cases/<uuid:public_id>/", applicant.case_detail, name="case_detail"),
    path("cases/<uuid:public_id>/status/", applicant.case_status, name="case_status"),
    path("cases/<uuid:public_id>/receipt/", applicant.case_receipt, name="case_receipt"),
    path("cases/<uuid:public_id>/messages/", applicant.case_messages, name="case_messages"),
    path("cases/<uuid:public_id>/provide-documents/", applicant.case_provide_documents,
         name="case_provide_documents"),
    path("cases/<uuid:public_id>/entry/", applicant.case_entry, name="case_entry"),
    path("cases/<uuid:public_id>/decisions/", applicant.case_decisions, name="case_decisions"),
    # The in-person appointment at the visa office (authorities app)
    path("cases/<uuid:public_id>/appointment/", appointments.case_appointment, name="case_appointment"),
    path("cases/<uuid:public_id>/appointment/cancel/", appointments.case_appointment_cancel,
         name="case_appointment_cancel"),
    path("cases/<uuid:public_id>/withdraw/", applicant.case_withdraw, name="case_withdraw"),
    path("decisions/<uuid:public_id>/pdf/", applicant.decision_download, name="decision_download"),
    # Representatives acting for the applicant (mandates)
    path("representatives/", mandates.applicant_representatives, name="representatives"),
    path("representatives/<uuid:public_id>/revoke/", mandates.applicant_representative_revoke,
         name="representative_revoke"),
    # Own data
    path("my-data/", applicant.my_data, name="my_data"),
    path("my-data/export/", applicant.data_export, name="data_export"),
    path("my-data/delete-account/", applicant.account_delete, name="account_delete"),
]
