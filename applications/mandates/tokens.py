"""The signed link of a representative's invitation to a client: it names the invitation and its expiry;
the row decides whether it is still usable (single use, revocation)."""

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.services import InvitationError

from .models import ClientInvitation

CLIENT_INVITATION_SALT = "wsa.representative.client-invitation"


def client_invitation_token(*, invitation: ClientInvitation) -> str:
    signer = signing.Signer(salt=CLIENT_INVITATION_SALT)
    return signer.sign_object({"i": invitation.public_id.hex, "x": int(invitation.expires_at.timestamp())})


def client_invitation_from_token(*, token: str, lock: bool = False) -> ClientInvitation:
    """The usable invitation of `token`, or InvitationError (tampered, unknown, expired, used, revoked)."""
    try:
        data = signing.Signer(salt=CLIENT_INVITATION_SALT).unsign_object(str(token or ""))
        public_id, expires = str(data["i"]), int(data["x"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvitationError("invalid") from exc
    rows = ClientInvitation.objects.select_related("representative", "case")
    if lock:
        rows = rows.select_for_update(of=("self",))
    try:
        invitation = rows.filter(public_id=public_id).first()
    except (ValueError, ValidationError):
        invitation = None
    if invitation is None or int(invitation.expires_at.timestamp()) != expires:
        raise InvitationError("invalid")
    if invitation.revoked_at is not None:
        raise InvitationError("revoked")
    if invitation.accepted_at is not None:
        raise InvitationError("used")
    if invitation.expires_at <= timezone.now():
        raise InvitationError("expired")
    return invitation
