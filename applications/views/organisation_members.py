"""The people of an employer's or a representative's organisation: inviting a colleague, withdrawing an
open invitation, removing someone's access. One piece of code for both portals; each portal's view
decides who may act (an owner of the organisation it works for) and where the page lies."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import formats, timezone
from django.utils.translation import gettext

from accounts import selectors as account_selectors
from accounts import services as account_services


def invite(request, organisation, form, *, page: str):
    """Send the invitation of a bound ``form`` (email, role). A redirect to ``page`` when it was sent;
    ``None`` when the form carries the errors to show again."""
    if not form.is_valid():
        return None
    try:
        invitation = account_services.member_invitation_create(
            organisation=organisation, actor=request.user, email=form.cleaned_data["email"],
            role=form.cleaned_data["role"])
    except account_services.EmployerError as exc:
        form.add_error("email", str(exc))
        return None
    messages.success(request, gettext("The invitation was sent to %(email)s. It is valid until %(date)s.")
                     % {"email": invitation.email,
                        "date": formats.date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")})
    return redirect(page)


def withdraw_invitation(request, organisation, public_id, *, page: str):
    """An open invitation of this organisation can no longer be accepted (another organisation's: 404)."""
    invitation = account_selectors.member_invitation_get(organisation=organisation, public_id=public_id)
    if invitation is None:
        raise Http404
    account_services.member_invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, gettext("The invitation was withdrawn."))
    return redirect(page)


def remove(request, organisation, user_public_id, *, page: str):
    """Take a member's access to the organisation (not the last owner's: the service refuses it, and
    says so). Someone who removed themselves goes to the portal's start page."""
    member = account_selectors.organisation_member_get(organisation=organisation, user_public_id=user_public_id)
    if member is None:
        raise Http404
    try:
        account_services.membership_remove(organisation=organisation, actor=request.user, user=member)
    except account_services.EmployerError as exc:
        messages.error(request, str(exc))
        return redirect(page)
    messages.success(request, gettext("%(email)s no longer has access to the organisation.") % {"email": member.email})
    return redirect("portal_home" if member.pk == request.user.pk else page)
