"""The e-mail of a representative's invitation to a client. Tasks take ids."""

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from wsa.site import site_url

from .models import ClientInvitation
from .tokens import client_invitation_token


@shared_task(bind=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def client_invitation_send(self, invitation_id: int) -> int:
    """E-mails the invitation link while the invitation is still usable, in the case's procedure language."""
    invitation = ClientInvitation.objects.select_related("representative", "case").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return 0
    link = site_url() + reverse("invitation:client", args=[client_invitation_token(invitation=invitation)])
    with translation.override(invitation.case.procedure_language):
        context = {"invitation": invitation, "organisation": invitation.representative, "link": link}
        subject = render_to_string("emails/client_invitation_subject.txt", context).strip()
        body = render_to_string("emails/client_invitation_body.txt", context)
    return send_mail(subject, body, None, [invitation.email])
