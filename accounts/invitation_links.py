"""The signed token of an invitation link (colleagues, candidates): made when the invitation is
mailed (accounts.tasks) and read back by accounts.services.invitation_from_token."""

from django.core import signing

INVITATION_SALTS = {
    "member": "wsa.employer.member-invitation",
    "candidate": "wsa.employer.candidate-invitation",
}


def invitation_token(*, invitation, kind: str) -> str:
    """The signed token of the invitation link. It names the invitation and its expiry; the row
    decides whether it is still usable (single use, revocation)."""
    signer = signing.Signer(salt=INVITATION_SALTS[kind])
    return signer.sign_object({"i": invitation.public_id.hex, "x": int(invitation.expires_at.timestamp())})
