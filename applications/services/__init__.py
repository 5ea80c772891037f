"""Writes to the case store, one module per subject. Views, tasks and commands change cases only
through these functions; `cases` holds the case's own writes (timeline, transitions) that the others
build on."""

from .applicant import (
    PASSPORT_PREFILL_FIELDS,
    PERSON_EDITABLE_FIELDS,
    CaseNotEditable,
    case_draft_update,
    case_report_entry,
    language_skills_set,
    passport_prefill_values,
    person_ensure,
    person_prefill_from_passport,
    person_update,
    qualification_delete,
    qualification_save,
    work_experience_delete,
    work_experience_save,
)
from .backoffice import (
    DECISION_TRANSITIONS,
    AuthorityAnswer,
    BackofficeError,
    authority_step_answer,
    authority_step_resend,
    case_claim,
    case_release,
    decision_approve,
    decision_create,
    decision_may_approve,
    decision_may_decide,
    decision_send_back,
)
from .cases import (
    case_create,
    case_due_refresh,
    case_submit,
    case_transition,
    employment_set,
    event_append,
    message_post,
    notify_pending_key,
    reference_allocate,
)
from .consent import (
    case_consent_revoke,
    case_consent_set,
)
from .document_requests import (
    case_documents_provide,
    document_request_create,
)
from .own_data import (
    PERSON_ERASED_WITH_ACCOUNT,
    AccountDeletionRefused,
    AccountDeletionResult,
    account_delete,
)
from .statistics import (
    statistics_refresh,
)

__all__ = [
    "AccountDeletionRefused",
    "AccountDeletionResult",
    "AuthorityAnswer",
    "BackofficeError",
    "CaseNotEditable",
    "DECISION_TRANSITIONS",
    "PASSPORT_PREFILL_FIELDS",
    "PERSON_EDITABLE_FIELDS",
    "PERSON_ERASED_WITH_ACCOUNT",
    "account_delete",
    "authority_step_answer",
    "authority_step_resend",
    "case_claim",
    "case_consent_revoke",
    "case_consent_set",
    "case_create",
    "case_documents_provide",
    "case_draft_update",
    "case_due_refresh",
    "case_release",
    "case_report_entry",
    "case_submit",
    "case_transition",
    "decision_approve",
    "decision_create",
    "decision_may_approve",
    "decision_may_decide",
    "decision_send_back",
    "document_request_create",
    "employment_set",
    "event_append",
    "language_skills_set",
    "message_post",
    "notify_pending_key",
    "passport_prefill_values",
    "person_ensure",
    "person_prefill_from_passport",
    "person_update",
    "qualification_delete",
    "qualification_save",
    "reference_allocate",
    "statistics_refresh",
    "work_experience_delete",
    "work_experience_save",
]
