from django.urls import path

from ..payments import views as payment_views
from ..views import after_arrival, appointments, household, mandates, titles
from ..views.applicant import home, library, own_data, profile, status, wizard

app_name = "applicant"
urlpatterns = [
    path("", home.home, name="home"),
    # The once-only profile
    path("profile/", profile.profile, name="profile"),
    path("profile/personal/", profile.profile_personal, name="profile_personal"),
    path("profile/contact/", profile.profile_contact, name="profile_contact"),
    path("profile/languages/", profile.profile_languages, name="profile_languages"),
    path("profile/qualifications/add/", profile.qualification_edit, name="qualification_add"),
    path("profile/qualifications/<int:pk>/", profile.qualification_edit, name="qualification_edit"),
    path("profile/qualifications/<int:pk>/remove/", profile.qualification_remove, name="qualification_remove"),
    path("profile/experience/add/", profile.experience_edit, name="experience_add"),
    path("profile/experience/<int:pk>/", profile.experience_edit, name="experience_edit"),
    path("profile/experience/<int:pk>/remove/", profile.experience_remove, name="experience_remove"),
    path("profile/prefill/<uuid:public_id>/", profile.passport_prefill, name="passport_prefill"),
    # The document library
    path("documents/", library.documents, name="documents"),
    path("documents/<uuid:public_id>/replace/", library.document_replace, name="document_replace"),
    path("documents/<uuid:public_id>/delete/", library.document_delete, name="document_delete"),
    # The application wizard
    path("apply/", wizard.apply_start, name="apply_start"),
    path("apply/new/", wizard.apply_new, name="apply_new"),
    path("apply/<uuid:public_id>/", wizard.apply_resume, name="apply_resume"),
    path("apply/<uuid:public_id>/done/", wizard.apply_done, name="apply_done"),
    path("apply/<uuid:public_id>/<slug:step>/", wizard.apply_step, name="apply_step"),
    # Cases
    path("cases/<uuid:public_id>/", status.case_detail, name="case_detail"),
    path("cases/<uuid:public_id>/status/", status.case_status, name="case_status"),
    path("cases/<uuid:public_id>/receipt/", wizard.case_receipt, name="case_receipt"),
    path("cases/<uuid:public_id>/messages/", status.case_messages, name="case_messages"),
    path("cases/<uuid:public_id>/provide-documents/", status.case_provide_documents,
         name="case_provide_documents"),
    path("cases/<uuid:public_id>/entry/", status.case_entry, name="case_entry"),
    path("cases/<uuid:public_id>/decisions/", status.case_decisions, name="case_decisions"),
    # The in-person appointment at the visa office (authorities app)
    path("cases/<uuid:public_id>/appointment/", appointments.case_appointment, name="case_appointment"),
    path("cases/<uuid:public_id>/appointment/cancel/", appointments.case_appointment_cancel,
         name="case_appointment_cancel"),
    path("cases/<uuid:public_id>/fee/pay/", payment_views.case_fee_pay, name="case_fee_pay"),
    path("cases/<uuid:public_id>/fees/<uuid:fee_id>/receipt/", payment_views.applicant_fee_receipt,
         name="fee_receipt"),
    path("cases/<uuid:public_id>/withdraw/", status.case_withdraw, name="case_withdraw"),
    path("decisions/<uuid:public_id>/pdf/", status.decision_download, name="decision_download"),
    # Residence titles and share codes
    path("titles/", titles.titles, name="titles"),
    path("titles/<uuid:public_id>/share/", titles.share_code_new, name="share_code_new"),
    path("titles/<uuid:public_id>/employer-reminders/", titles.employer_reminders, name="title_employer_reminders"),
    path("titles/codes/<uuid:public_id>/", titles.share_code, name="share_code"),
    path("titles/codes/<uuid:public_id>/revoke/", titles.share_code_revoke, name="share_code_revoke"),
    # After arrival: extension with its certificate, job change, settlement
    path("after-arrival/", after_arrival.titles, name="after_arrival"),
    path("after-arrival/titles/<uuid:public_id>/extend/", after_arrival.title_extend, name="title_extend"),
    path("after-arrival/titles/<uuid:public_id>/job-change/", after_arrival.job_change, name="job_change"),
    path("after-arrival/titles/<uuid:public_id>/change-purpose/", after_arrival.purpose_change,
         name="purpose_change"),
    path("after-arrival/address/", after_arrival.address_change, name="address_change"),
    path("after-arrival/certificates/<uuid:public_id>/pdf/", after_arrival.certificate_download,
         name="certificate_download"),
    path("after-arrival/settlement/", after_arrival.settlement, name="settlement"),
    # The family: members, their applications joined to the main one, shared documents, consent
    path("household/", household.household, name="household"),
    path("household/members/add/", household.member_add, name="household_member_add"),
    path("household/members/<uuid:public_id>/apply/", household.family_case_start, name="household_case_start"),
    path("household/members/<uuid:public_id>/invite/", household.member_invite, name="household_invite"),
    path("household/join/<str:token>/", household.member_join, name="household_join"),
    path("household/consent/", household.member_consent, name="household_consent"),
    path("household/documents/", household.document_share, name="household_document_share"),
    path("household/cases/<uuid:public_id>/", household.family_case, name="household_case"),
    path("household/cases/<uuid:public_id>/appointment/", appointments.household_case_appointment,
         name="household_case_appointment"),
    path("household/cases/<uuid:public_id>/appointment/cancel/", appointments.household_case_appointment_cancel,
         name="household_case_appointment_cancel"),
    path("household/cases/<uuid:public_id>/submit-family/", household.family_submit, name="household_submit"),
    # Representatives acting for the applicant (mandates)
    path("representatives/", mandates.applicant_representatives, name="representatives"),
    path("representatives/<uuid:public_id>/revoke/", mandates.applicant_representative_revoke,
         name="representative_revoke"),
    # Own data
    path("my-data/", own_data.my_data, name="my_data"),
    path("my-data/export/", own_data.data_export, name="data_export"),
    path("my-data/delete-account/", own_data.account_delete, name="account_delete"),
]
