"""The applicant's own data: deleting their account at their request (GDPR Art. 17)."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts import services as account_services
from documents.models import Document
from documents.services import documents_remove
from wsa.queueing import enqueue_on_commit
from wsa.site import site_url

from .. import audit, retention
from ..models import Case, Mandate, Person
from ..selectors.own_data import account_deletion_overview
from .consent import case_consent_revoke

logger = logging.getLogger(__name__)


class AccountDeletionRefused(Exception):
    """The account cannot be deleted now (a case under way, employer or authority access). Nothing was
    changed; the message is translated and says what to do."""


# What kept cases still need of the profile: the identity their decisions were made for (as in the
# passport) and the country of residence (it made the visa office competent). Contact data and the
# address go with the account, and so do the once-only extras (qualifications, languages, experience).
PERSON_ERASED_WITH_ACCOUNT = {"email": "", "phone": "", "street": "", "postal_code": "", "city": ""}


@dataclass(frozen=True)
class AccountDeletionResult:
    drafts: int
    documents: int
    retained: list  # RetainedCase (applications.selectors.own_data): kept until their retention period ends


@transaction.atomic
def account_delete(*, user) -> AccountDeletionResult:
    """Deletes the applicant's account at their request (GDPR Art. 17), all or nothing. The caller has
    the holder confirm and re-authenticate first, and logs out the current session afterwards.

    - Refused (AccountDeletionRefused, nothing changed) while a case is under way (anything but draft,
      closed or withdrawn: withdraw it first) or while the account has employer or authority access.
    - Drafts (and discarded drafts, never submitted) are deleted with their documents, as the retention
      job deletes stale drafts; so are the documents of the library. Stored files go after the commit.
    - Closed and withdrawn cases stay until WSA_CLOSED_CASE_RETENTION_DAYS have passed (decisions must
      stay verifiable and can still be challenged); the employer's consent to see them ends now. Their
      profile keeps only the identity (PERSON_ERASED_WITH_ACCOUNT); retention.purge_closed_cases
      deletes it with the last of them. Without such cases the profile is deleted at once.
    - The login ends (accounts.services.account_deactivate); the audit records who (the account's
      public id only) and when; the holder gets a confirmation in their language.

    The data-protection office is no longer e-mailed: the deletion needs nothing from it, and the
    append-only audit record (admin, read-only) is the complete account of what was deleted and what is
    kept until when (Art. 5(2) GDPR). A mail per deletion would copy that into a mailbox with no
    retention of its own and, at the portal's scale, train the office to ignore it."""
    # Locks: the account (a second tab deleting too), then the profile and its cases (nothing is
    # submitted while the cases are sorted and deleted).
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise AccountDeletionRefused(gettext("This account has already been deleted."))
    person = Person.objects.select_for_update().filter(user=user).first()
    if person is not None:
        list(Case.objects.select_for_update().filter(person=person).values_list("pk", flat=True))
    overview = account_deletion_overview(viewer=user)
    if overview.blocked:
        raise AccountDeletionRefused(overview.refusal)

    documents = 0
    try:
        for case in overview.drafts:
            documents += retention.draft_delete(case)[0]
    except ProtectedError as exc:  # another record still needs a draft: keep everything
        logger.warning("Account deletion of %s refused: a draft is referenced elsewhere", user.public_id)
        raise AccountDeletionRefused(gettext(
            "Your account could not be deleted now; nothing was changed. Please try again later or write to us."
        )) from exc
    if person is not None:
        # A deleted account represents nobody any more: its mandates end with it.
        Mandate.objects.filter(principal_person=person, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=user)
        documents += documents_remove(Document.objects.filter(owner=person, case__isnull=True))
        if overview.retained:
            for retained in overview.retained:
                case_consent_revoke(case=retained.case, actor=user)
            Person.objects.filter(pk=person.pk).update(**PERSON_ERASED_WITH_ACCOUNT, updated_at=timezone.now())
            for extras in (person.qualifications, person.languages, person.experience):
                extras.all().delete()
        else:
            retention.person_delete(person)

    result = AccountDeletionResult(drafts=len(overview.drafts), documents=documents, retained=overview.retained)
    address = user.email
    with translation.override(user.preferred_language or translation.get_language() or settings.LANGUAGE_CODE):
        context = {"result": result, "retention_days": settings.WSA_CLOSED_CASE_RETENTION_DAYS,
                   "site_url": site_url()}
        subject = render_to_string("emails/account_deleted_subject.txt", context).strip()
        body = render_to_string("emails/account_deleted_body.txt", context)
    account_services.account_deactivate(user=user)
    audit.account_deletion_record(user=user, drafts=result.drafts, documents=documents,
                                  retained_cases=len(overview.retained), retained_until=overview.retained_until)
    # The address is gone from the database: the message goes out rendered, once the deletion is committed.
    # By name: applications.tasks imports these services.
    enqueue_on_commit("applications.tasks.mail_send", (address, subject, body))
    logger.info("Account %s deleted by its holder", user.public_id)
    return result
