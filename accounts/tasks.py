"""Celery tasks of the employer portal: invitation e-mails. Tasks take ids."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from wsa.site import site_url

from .invitation_links import invitation_token
from .models import CandidateInvitation, MemberInvitation


@shared_task(bind=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def invitation_send(self, kind: str, invitation_id: int) -> int:
    """E-mails the invitation link (colleague or candidate) while the invitation is still usable."""
    model = {"member": MemberInvitation, "candidate": CandidateInvitation}[kind]
    invitation = model.objects.select_related("organisation", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return 0
    url_name = "invitation:member" if kind == "member" else "invitation:candidate"
    link = site_url() + reverse(url_name, args=[invitation_token(invitation=invitation, kind=kind)])
    if kind == "candidate":
        language = invitation.case.procedure_language
    else:
        language = (invitation.invited_by.preferred_language if invitation.invited_by else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"invitation": invitation, "organisation": invitation.organisation, "link": link,
                   "site_url": site_url()}
        subject = render_to_string(f"emails/{kind}_invitation_subject.txt", context).strip()
        body = render_to_string(f"emails/{kind}_invitation_body.txt", context)
    return send_mail(subject, body, None, [invitation.email])
