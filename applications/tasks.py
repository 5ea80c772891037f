import logging

from celery import shared_task
from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from wsa.site import site_url

from . import retention, services
from .employer import webhooks
from .models import Case, Event
from .notices import document_requests_in, news_for
from .titles.reminders import title_reminders_send

logger = logging.getLogger(__name__)

# One e-mail lists at most the newest entries; the portal shows the whole timeline.
NOTICE_MAX_EVENTS = 20


@shared_task(bind=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5, ignore_result=True)
def notify_case(self, case_id: int) -> int:
    """E-mails the applicant about the case's public timeline entries since the last such e-mail, in
    one message, in their language (services.cases._notify queues it once per burst of changes)."""
    try:
        cache.delete(services.notify_pending_key(case_id))  # from now on, a new entry queues a new e-mail
    except Exception:
        logger.warning("No cache to clear the queued mark of case %s; its mark expires on its own.", case_id)
    # Only what the e-mail shows and whom it goes to: this runs after every burst of changes.
    case = (Case.objects.select_related("person__user")
            .only("id", "public_id", "reference", "state", "procedure_language", "notified_event_id",
                  "person__surname", "person__given_names", "person__email",
                  "person__user__email", "person__user__preferred_language")
            .filter(pk=case_id).first())
    if case is None:
        return 0
    told = case.notified_event_id
    newest = Event.objects.filter(case_id=case_id, internal=False, pk__gt=told).order_by("-pk")[:NOTICE_MAX_EVENTS]
    events = list(reversed(newest))
    if not events:
        return 0
    # Claim the entries first, so that two workers never send the same news twice.
    if not Case.objects.filter(pk=case_id, notified_event_id=told).update(notified_event_id=events[-1].pk):
        return 0
    person = case.person
    recipient = (person.user.email if person.user else "") or person.email
    events = news_for(events, user_id=person.user_id)
    if not recipient or not events:
        return 0
    language = (person.user.preferred_language if person.user else "") or case.procedure_language
    with translation.override(language):
        context = {"events": events, "case": case, "site_url": site_url(),
                   "document_requests": document_requests_in(events)}
        subject = render_to_string("emails/event_subject.txt", context).strip()
        body = render_to_string("emails/event_body.txt", context)
    try:
        return send_mail(subject, body, None, [recipient])
    except Exception:
        # Give the entries back for the retry (unless newer ones went out meanwhile).
        Case.objects.filter(pk=case_id, notified_event_id=events[-1].pk).update(notified_event_id=told)
        raise


@shared_task(bind=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5, ignore_result=True)
def mail_send(self, recipient: str, subject: str, body: str) -> int:
    """Sends a message rendered beforehand, to an address the database no longer holds (the confirmation
    of an account deletion: services.account_delete)."""
    return send_mail(subject, body, None, [recipient])


@shared_task(ignore_result=True, acks_late=True)
def statistics_refresh() -> int:
    """Beat: recompute the supervisors' statistics snapshots (see services.statistics_refresh)."""
    return services.statistics_refresh()


@shared_task(ignore_result=True, acks_late=True)
def purge_stale_drafts() -> int:
    """Beat (daily): deletes drafts untouched for WSA_DRAFT_RETENTION_DAYS (applications.retention)."""
    return len(retention.purge_stale_drafts().references)


@shared_task(ignore_result=True, acks_late=True)
def purge_closed_cases() -> int:
    """Beat (daily): anonymises cases past WSA_CLOSED_CASE_RETENTION_DAYS (applications.retention)."""
    return len(retention.purge_closed_cases().references)


@shared_task(bind=True, acks_late=True, max_retries=None)
def webhook_deliver(self, delivery_id: int) -> str:
    """Sends one webhook delivery; on failure retries with exponential backoff until the attempt limit."""
    outcome, wait = webhooks.delivery_attempt(delivery_id=delivery_id)
    if outcome == webhooks.RETRY and not self.request.is_eager:
        raise self.retry(countdown=wait)
    return outcome


@shared_task
def webhook_sweep() -> int:
    """Beat: re-queues pending deliveries whose retry is overdue (lost tasks, dead workers)."""
    ids = webhooks.due_deliveries()
    for delivery_id in ids:
        webhook_deliver.delay(delivery_id)
    return len(ids)


@shared_task(ignore_result=True, acks_late=True)
def title_reminders() -> int:
    """Beat (daily): e-mails the holders of titles that end in 90, 60 or 30 days (titles.reminders)."""
    return title_reminders_send()


# The worker finds tasks in each app's tasks module; the mandates' e-mail lives in its own package.
from .mandates.tasks import client_invitation_send  # noqa: E402, F401
