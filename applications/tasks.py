from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from .models import Event


@shared_task(bind=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5, ignore_result=True)
def notify_event(self, event_id: int) -> int:
    """E-mails the applicant about a new timeline entry, in the case's procedure language."""
    event = Event.objects.select_related("case__person__user").filter(pk=event_id, internal=False).first()
    if event is None:
        return 0
    person = event.case.person
    recipient = (person.user.email if person.user else "") or person.email
    if not recipient:
        return 0
    language = (person.user.preferred_language if person.user else "") or event.case.procedure_language
    with translation.override(language):
        context = {"event": event, "case": event.case, "site_url": settings.SITE_URL}
        subject = render_to_string("emails/event_subject.txt", context).strip()
        body = render_to_string("emails/event_body.txt", context)
    return send_mail(subject, body, None, [recipient])


@shared_task(ignore_result=True, acks_late=True)
def statistics_refresh() -> int:
    """Beat: recompute the supervisors' statistics snapshots (see services.statistics_refresh)."""
    from .services import statistics_refresh as refresh

    return refresh()


@shared_task(ignore_result=True, acks_late=True)
def purge_stale_drafts() -> int:
    """Beat (daily): deletes drafts untouched for WSA_DRAFT_RETENTION_DAYS (applications.retention)."""
    from .retention import purge_stale_drafts as purge

    return len(purge().references)


@shared_task(ignore_result=True, acks_late=True)
def purge_closed_cases() -> int:
    """Beat (daily): anonymises cases past WSA_CLOSED_CASE_RETENTION_DAYS (applications.retention)."""
    from .retention import purge_closed_cases as purge

    return len(purge().references)
