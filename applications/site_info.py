"""What the legal pages say about the operator (§ 5 DDG, Art. 13 GDPR, § 12b BGG) and the feedback
on barriers that the accessibility statement offers (§ 12b Abs. 2 Nr. 2 BGG)."""

import logging
from dataclasses import dataclass
from datetime import date
from hashlib import sha256

from django.conf import settings
from django.core.cache import cache
from django.core.checks import Error, Tags, register
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from accounts.security import client_ip

from .tasks import mail_send

logger = logging.getLogger(__name__)
DEMO_SUFFIX = "example"
FEEDBACK_WINDOW_SECONDS = 3600


@dataclass(frozen=True, kw_only=True)
class Operator:
    name: str
    address_lines: tuple[str, ...]
    represented_by: str
    email: str
    phone: str
    data_protection_officer_email: str
    accessibility_email: str
    accessibility_reviewed_on: date | None
    sign_language_video_url: str
    draft_retention_days: int
    closed_case_retention_days: int

    @property
    def incomplete(self) -> bool:
        return not all((self.name, self.address_lines, self.email, self.data_protection_officer_email,
                        self.accessibility_email))

    @property
    def is_demonstration(self) -> bool:
        return any(address.endswith(DEMO_SUFFIX) for address in (
            self.email, self.data_protection_officer_email, self.accessibility_email))


def operator() -> Operator:
    try:
        reviewed_on = date.fromisoformat(settings.WSA_ACCESSIBILITY_REVIEWED_ON)
    except ValueError:
        reviewed_on = None
    return Operator(
        name=settings.WSA_OPERATOR_NAME,
        address_lines=tuple(line.strip() for line in settings.WSA_OPERATOR_ADDRESS.splitlines() if line.strip()),
        represented_by=settings.WSA_OPERATOR_REPRESENTED_BY,
        email=settings.WSA_OPERATOR_EMAIL,
        phone=settings.WSA_OPERATOR_PHONE,
        data_protection_officer_email=settings.WSA_DATA_PROTECTION_OFFICER_EMAIL,
        accessibility_email=settings.WSA_ACCESSIBILITY_EMAIL,
        accessibility_reviewed_on=reviewed_on,
        sign_language_video_url=settings.WSA_SIGN_LANGUAGE_VIDEO_URL,
        draft_retention_days=settings.WSA_DRAFT_RETENTION_DAYS,
        closed_case_retention_days=settings.WSA_CLOSED_CASE_RETENTION_DAYS,
    )


@register(Tags.security, deploy=True)
def operator_configured(app_configs, **kwargs):
    """An imprint naming the demonstration's addresses, or nobody, is no imprint (§ 5 DDG)."""
    named = operator()
    if not (named.is_demonstration or named.incomplete):
        return []
    return [Error(
        "The legal pages do not name a real operator (a value is empty or an address ends in 'example').",
        hint="Set WSA_OPERATOR_NAME, WSA_OPERATOR_ADDRESS, WSA_OPERATOR_EMAIL, WSA_DATA_PROTECTION_OFFICER_EMAIL "
             "and WSA_ACCESSIBILITY_EMAIL (README, 'Legal pages').",
        id="wsa.E010",
    )]


class FeedbackRefused(Exception):
    """Too many messages from one address within the hour."""


class FeedbackNotSent(Exception):
    """The mail queue could not take the message: the person is told to write directly."""


def accessibility_feedback_send(*, request, page: str, description: str, reply_to: str) -> None:
    """Forwards a report of a barrier to the accessibility contact. Counted per client address, so a
    script cannot flood the contact's inbox; nothing of it is stored in the database."""
    origin = sha256((client_ip(request) or "unknown").encode()).hexdigest()[:32]
    key = f"accessibility-feedback:{origin}"
    cache.add(key, 0, FEEDBACK_WINDOW_SECONDS)
    if cache.incr(key) > settings.WSA_ACCESSIBILITY_FEEDBACK_PER_HOUR:
        raise FeedbackRefused
    with translation.override(settings.LANGUAGE_CODE):  # read by the operator's team
        subject = gettext("WSA: report of a barrier")
        body = render_to_string("emails/accessibility_feedback.txt", {
            "page": page, "description": description, "reply_to": reply_to,
        })
    try:
        mail_send.delay(operator().accessibility_email, subject, body)
    except Exception as error:  # the broker is down: the person must not believe the report arrived
        logger.warning("accessibility feedback not queued: %s", type(error).__name__)
        raise FeedbackNotSent from error
