"""Reminders before a title ends: an e-mail to the holder 90, 60 and 30 days before `valid_until`,
each once (TitleReminder), in the holder's language.

What the e-mail says: apply in time at the foreigners' authority — for the extension, or for the
residence permit after a national visa. An application made before the title ends keeps it in force
until the authority decides (§ 81 Abs. 4 S. 1 AufenthG; not for Schengen visas, S. 2, which the
portal does not issue).

The employer named in the title's conditions is written to only when the holder allowed it for this
title (`ResidenceTitle.employer_reminders_since`, given and withdrawn on "My residence titles"): the
case's consent (CaseConsent) covers the procedure, not the title after it. The employer's mail says
only whose title of which kind ends when (GDPR Art. 5(1)(c)), never the holder's other data.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Membership, Role
from wsa.site import site_url

from ..models import ResidenceTitle, TitleKind, TitleReminder

logger = logging.getLogger(__name__)

REMINDER_DAYS = (30, 60, 90)


def reminder_due(days_left: int) -> int | None:
    """The reminder for a title with `days_left` days: the nearest mark at or above it (a title issued
    with 50 days left gets the 60-day reminder once, not the 90-day one too)."""
    if days_left < 0:
        return None
    return next((mark for mark in REMINDER_DAYS if days_left <= mark), None)


def _recipient_and_language(title: ResidenceTitle) -> tuple[str, str]:
    person = title.holder
    user = person.user
    address = (user.email if user is not None else "") or person.email
    language = ((user.preferred_language if user is not None else "")
                or (title.case.procedure_language if title.case_id else "") or settings.LANGUAGE_CODE)
    return address, language


def _employer_recipients(title: ResidenceTitle) -> list[tuple[str, str]]:
    """(address, language) of the active members of the employer named in the title, when the holder
    allowed it."""
    if title.employer_id is None or title.employer_reminders_since is None:
        return []
    members = (Membership.objects.filter(organisation_id=title.employer_id, role__in=Role.employer_roles(),
                                         user__is_active=True)
               .select_related("user").order_by("user__email"))
    seen: dict[str, str] = {}
    for member in members:
        if member.user.email:
            seen.setdefault(member.user.email, member.user.preferred_language or settings.LANGUAGE_CODE)
    return list(seen.items())


def title_employer_reminders_set(*, title: ResidenceTitle, allowed: bool) -> ResidenceTitle:
    """The holder allows or withdraws the reminders to the employer named in the title's conditions."""
    if allowed and title.employer_id is None:
        raise ValueError("The title names no employer.")
    title.employer_reminders_since = (title.employer_reminders_since or timezone.now()) if allowed else None
    title.save(update_fields=["employer_reminders_since"])
    return title


def _employer_reminder_send(title: ResidenceTitle, *, today: date) -> None:
    for address, language in _employer_recipients(title):
        with translation.override(language):
            context = {"title": title, "days_left": (title.valid_until - today).days}
            subject = render_to_string("emails/title_reminder_employer_subject.txt", context).strip()
            body = render_to_string("emails/title_reminder_employer_body.txt", context)
        try:
            send_mail(subject, body, None, [address])
        except Exception:
            # The holder's own reminder counts; the employer's is a courtesy the holder allowed.
            logger.exception("The employer's reminder for title %s could not be sent.", title.public_id)


def title_reminder_send(*, title: ResidenceTitle, days_before: int, today: date) -> bool:
    """Claims the reminder (unique per title and mark), then sends it; a failed send gives the claim
    back, so the next day's run tries again. Returns whether an e-mail went out."""
    address, language = _recipient_and_language(title)
    if not address:
        return False
    try:
        with transaction.atomic():
            reminder = TitleReminder.objects.create(title=title, days_before=days_before)
    except IntegrityError:
        return False
    with translation.override(language):
        context = {"title": title, "days_left": (title.valid_until - today).days, "site_url": site_url(),
                   "is_visa": title.kind == TitleKind.NATIONAL_VISA}
        subject = render_to_string("emails/title_reminder_subject.txt", context).strip()
        body = render_to_string("emails/title_reminder_body.txt", context)
    try:
        send_mail(subject, body, None, [address])
    except Exception:
        reminder.delete()
        logger.exception("The reminder for title %s could not be sent; it is tried again tomorrow.", title.public_id)
        return False
    _employer_reminder_send(title, today=today)
    return True


def title_reminders_send(*, today: date | None = None) -> int:
    """The daily run: every open title ending within 90 days whose due reminder has not gone out."""
    today = today or timezone.localdate()
    sent = 0
    ending = (ResidenceTitle.objects.filter(ended_at__isnull=True, valid_until__gte=today,
                                            valid_until__lte=today + timedelta(days=max(REMINDER_DAYS)))
              .select_related("holder__user", "case").order_by("valid_until", "pk"))
    for title in ending:
        mark = reminder_due((title.valid_until - today).days)
        if mark is None or title.reminders.filter(days_before__lte=mark).exists():
            continue
        sent += title_reminder_send(title=title, days_before=mark, today=today)
    return sent
