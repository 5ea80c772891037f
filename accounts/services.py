import base64
import hashlib
import hmac
import ipaddress
import logging
import secrets
import socket
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from wsa.queueing import enqueue_on_commit

from .invitation_links import INVITATION_SALTS
from .models import (
    ApiScope,
    ApiToken,
    CandidateInvitation,
    MemberInvitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from .selectors import DELETED_ACCOUNT_DOMAIN, member_roles_of, user_roles_forget
from .tasks import invitation_send

logger = logging.getLogger(__name__)

LANGUAGE_SESSION_KEY = "wsa_language"


def user_set_language(*, request, language: str) -> bool:
    """Keeps the chosen language in the session and, for a signed-in user, on the account."""
    if language not in dict(settings.LANGUAGES):
        return False
    request.session[LANGUAGE_SESSION_KEY] = language
    translation.activate(language)
    if request.user.is_authenticated and request.user.preferred_language != language:
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    return True


@transaction.atomic
def membership_grant(*, user: User, role: str, organisation: Organisation | None = None) -> Membership:
    membership, _ = Membership.objects.get_or_create(user=user, organisation=organisation, role=Role(role))
    user_roles_forget(user=user)
    return membership


def account_deactivate(*, user: User) -> None:
    """Ends an account its holder deleted (applications.services.account_delete): no further login, no
    personal data left on the row, the e-mail address free for a new registration. The row stays
    (with a placeholder address in DELETED_ACCOUNT_DOMAIN) because kept cases and the audit refer to it.

    Sessions: with an unusable password the session hash of every other session no longer matches and
    an inactive user is never loaded again, so each of them ends at its next request (the rows expire
    with SESSION_COOKIE_AGE); the caller logs out the current one."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    address = user.email
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()  # TOTP, recovery codes
    ApiToken.objects.filter(created_by=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    Membership.objects.filter(user=user).delete()
    for log in (AccessAttempt, AccessFailureLog, AccessLog):  # login records under the address
        log.objects.filter(username__iexact=address).delete()
    user.email = f"deleted-{user.public_id.hex}@{DELETED_ACCOUNT_DOMAIN}"
    user.full_name = ""
    user.preferred_language = ""
    user.is_active = False
    user.last_login = None
    user.set_unusable_password()
    user.save(update_fields=["email", "full_name", "preferred_language", "is_active", "last_login", "password"])
    user.groups.clear()
    user.user_permissions.clear()
    user_roles_forget(user=user)


# --- Employer portal and HR API (issue 5) -----------------------------------------------------
# Organisations, colleague invitations, memberships, API tokens, webhook endpoints and the
# candidate's consent. Keyword-only; every function checks that the actor may do it.

INVITATION_MODELS = {"member": MemberInvitation, "candidate": CandidateInvitation}


class EmployerError(Exception):
    """An employer action that is not possible; the message is translated and can be shown as is."""

    def __init__(self, message, code: str = "invalid"):
        self.code = code
        super().__init__(str(message))


class InvitationError(EmployerError):
    """An invitation link that cannot be used: code is invalid, expired, used, revoked or wrong_email."""

    MESSAGES = {
        "invalid": _("This invitation link is not valid. Please use the link from the e-mail exactly as sent."),
        "expired": _("This invitation has expired. Please ask for a new invitation."),
        "used": _("This invitation has already been used."),
        "revoked": _("This invitation was withdrawn. Please ask for a new invitation."),
        "wrong_email": _("This invitation was sent to a different e-mail address. Please sign in with the "
                         "address the invitation was sent to."),
        "unverified": _("Please confirm your e-mail address first, then open the invitation link again."),
    }

    def __init__(self, code: str):
        super().__init__(self.MESSAGES[code], code=code)


def invitations_allowed(*, organisation: Organisation, count: int = 1) -> None:
    """Whether the organisation may send ``count`` more invitations in the portal's name now: only a
    verified employer (organisation_verify), and at most WSA_INVITATIONS_PER_HOUR of all kinds per hour
    (an owner's account in the wrong hands must not mail hundreds of people)."""
    if organisation.verified_at is None:
        raise EmployerError(_("Your organisation has not been verified yet. You can send invitations once the "
                              "WSA has checked its commercial register entry, usually within one working day."),
                            code="unverified")
    limit = int(getattr(settings, "WSA_INVITATIONS_PER_HOUR", 100))
    since = timezone.now() - timedelta(hours=1)
    sent = (CandidateInvitation.objects.filter(organisation=organisation, created_at__gte=since).count()
            + MemberInvitation.objects.filter(organisation=organisation, created_at__gte=since).count())
    if sent + count > limit:
        raise EmployerError(ngettext(
            "Your organisation can send at most %(limit)d invitation an hour. Please try again later.",
            "Your organisation can send at most %(limit)d invitations an hour. Please try again later.",
            limit) % {"limit": limit}, code="rate_limited")


@transaction.atomic
def organisation_verify(*, organisation: Organisation, actor, note: str) -> Organisation:
    """An admin confirms that the organisation is who it says it is (its commercial register entry and
    BA company number checked against the register's data); from then on it may send invitations."""
    if not (actor.is_staff and actor.has_perm("accounts.change_organisation")):
        raise PermissionDenied(gettext("Only an administrator can verify an organisation."))
    if not note.strip():
        raise EmployerError(_("Say how the organisation was verified."), code="note")
    Organisation.objects.filter(pk=organisation.pk).update(verified_at=timezone.now(), verified_by=actor,
                                                           verification_note=note.strip()[:500])
    organisation.refresh_from_db()
    return organisation


def invitation_days(kind: str) -> int:
    if kind == "member":
        return int(getattr(settings, "WSA_MEMBER_INVITATION_DAYS", 7))
    return int(getattr(settings, "WSA_CANDIDATE_INVITATION_DAYS", 14))


def invitation_from_token(*, token: str, kind: str, lock: bool = False):
    """The usable invitation of `token`, or InvitationError (tampered, unknown, expired, used, revoked)."""
    try:
        data = signing.Signer(salt=INVITATION_SALTS[kind]).unsign_object(str(token or ""))
        public_id, expires = str(data["i"]), int(data["x"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvitationError("invalid") from exc
    rows = INVITATION_MODELS[kind].objects
    if lock:
        rows = rows.select_for_update()
    invitation = rows.filter(public_id=_uuid_or_none(public_id)).first()
    if invitation is None or int(invitation.expires_at.timestamp()) != expires:
        raise InvitationError("invalid")
    if invitation.revoked_at is not None:
        raise InvitationError("revoked")
    if invitation.accepted_at is not None or getattr(invitation, "declined_at", None) is not None:
        raise InvitationError("used")
    if invitation.expires_at <= timezone.now():
        raise InvitationError("expired")
    return invitation


def _uuid_or_none(value):
    try:
        return uuid.UUID(hex=value)
    except (TypeError, ValueError):
        return None


def invitation_check_user(*, invitation, user) -> None:
    """The invitation is bound to its e-mail address: only that (confirmed) address may use it."""
    if not user.is_authenticated or user.email.strip().lower() != invitation.email.strip().lower():
        raise InvitationError("wrong_email")
    if getattr(settings, "ACCOUNT_EMAIL_VERIFICATION", "none") == "mandatory":
        from allauth.account.models import EmailAddress

        if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
            raise InvitationError("unverified")


def _owner_role(organisation: Organisation) -> str | None:
    if organisation.kind == OrganisationKind.EMPLOYER:
        return Role.EMPLOYER_OWNER
    if organisation.kind in OrganisationKind.representative_kinds():
        return Role.REPRESENTATIVE_OWNER
    return None


def _is_owner(*, organisation: Organisation, user) -> bool:
    return user.is_authenticated and Membership.objects.filter(
        organisation=organisation, user=user, role=_owner_role(organisation)).exists()


def _is_admin(actor, permission: str) -> bool:
    return actor.is_authenticated and actor.is_staff and actor.has_perm(permission)


def _require_owner(*, organisation: Organisation, actor) -> None:
    if _owner_role(organisation) is None or not _is_owner(organisation=organisation, user=actor):
        raise PermissionDenied(gettext("Only an owner of the organisation can do this."))


# Organisation ---------------------------------------------------------------------------------

ORGANISATION_FIELDS = frozenset({
    "name", "legal_form", "commercial_register_number", "ba_company_number", "street", "postal_code", "city",
    "country", "contact_email", "contact_phone",
})


@transaction.atomic
def organisation_register(*, user: User, **fields) -> Organisation:
    """A signed-in user registers their company: an employer organisation with them as owner."""
    unknown = set(fields) - ORGANISATION_FIELDS
    if unknown:
        raise ValueError(f"Not an organisation field: {', '.join(sorted(unknown))}")
    number = fields.get("ba_company_number", "")
    if number and Organisation.objects.filter(kind=OrganisationKind.EMPLOYER, ba_company_number=number).exists():
        raise EmployerError(_("An organisation with this BA company number is already registered. "
                              "Please ask its owner to invite you."), code="duplicate")
    organisation = Organisation.objects.create(kind=OrganisationKind.EMPLOYER, **fields)
    membership_grant(user=user, role=Role.EMPLOYER_OWNER, organisation=organisation)
    return organisation


REPRESENTATIVE_FIELDS = frozenset({
    "name", "legal_form", "commercial_register_number", "street", "postal_code", "city", "country",
    "contact_email", "contact_phone",
})


@transaction.atomic
def representative_register(*, user: User, kind: str, **fields) -> Organisation:
    """A signed-in user registers their relocation agency, law firm or welcome centre, with them as
    owner. Like an employer it is unverified until an admin checks it (organisation_verify): until
    then nobody finds it to grant it a mandate and it cannot invite clients."""
    if kind not in OrganisationKind.representative_kinds():
        raise ValueError("Not a kind of representative.")
    unknown = set(fields) - REPRESENTATIVE_FIELDS
    if unknown:
        raise ValueError(f"Not an organisation field: {', '.join(sorted(unknown))}")
    organisation = Organisation.objects.create(kind=kind, **fields)
    membership_grant(user=user, role=Role.REPRESENTATIVE_OWNER, organisation=organisation)
    return organisation


# Colleagues -----------------------------------------------------------------------------------


@transaction.atomic
def member_invitation_create(*, organisation: Organisation, actor, email: str,
                             role: str = Role.EMPLOYER_MEMBER) -> MemberInvitation:
    _require_owner(organisation=organisation, actor=actor)
    if role not in member_roles_of(organisation):
        raise ValueError("An invitation is for an owner or member of this kind of organisation.")
    invitations_allowed(organisation=organisation)
    email = email.strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise EmployerError(_("This person is already a member of the organisation."), code="member")
    # A new invitation replaces any open one for the same address.
    MemberInvitation.objects.filter(organisation=organisation, email__iexact=email, accepted_at__isnull=True,
                                    revoked_at__isnull=True).update(revoked_at=timezone.now())
    invitation = MemberInvitation.objects.create(
        organisation=organisation, email=email, role=role, invited_by=actor,
        expires_at=timezone.now() + timedelta(days=invitation_days("member")),
    )
    enqueue_on_commit(invitation_send, ("member", invitation.pk))
    return invitation


@transaction.atomic
def member_invitation_revoke(*, invitation: MemberInvitation, actor) -> None:
    _require_owner(organisation=invitation.organisation, actor=actor)
    MemberInvitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now())


@transaction.atomic
def member_invitation_accept(*, token: str, user) -> Membership:
    """The invitee, signed in with the invited address, joins the organisation. Single use."""
    invitation = invitation_from_token(token=token, kind="member", lock=True)
    invitation_check_user(invitation=invitation, user=user)
    membership = membership_grant(user=user, role=invitation.role, organisation=invitation.organisation)
    if invitation.role in Role.owner_roles():
        Membership.objects.filter(user=user, organisation=invitation.organisation,
                                  role__in=member_roles_of(invitation.organisation) - Role.owner_roles()).delete()
        user_roles_forget(user=user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def membership_remove(*, organisation: Organisation, actor, user: User) -> None:
    """Removes a colleague; access ends with their next request. The last owner cannot be removed.
    API tokens the removed person created are revoked with them."""
    _require_owner(organisation=organisation, actor=actor)
    # Lock the organisation so that two owners cannot remove each other at the same time.
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    memberships = Membership.objects.filter(organisation=organisation, user=user,
                                            role__in=member_roles_of(organisation))
    if not memberships.exists():
        raise EmployerError(_("This person is not a member of the organisation."), code="not_member")
    if memberships.filter(role=_owner_role(organisation)).exists():
        owners = Membership.objects.filter(organisation=organisation, role=_owner_role(organisation))
        if owners.exclude(user=user).count() == 0:
            raise EmployerError(_("The last owner cannot be removed. Make someone else an owner first."),
                                code="last_owner")
    memberships.delete()
    user_roles_forget(user=user)
    ApiToken.objects.filter(organisation=organisation, created_by=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now())


# API tokens -----------------------------------------------------------------------------------

API_TOKEN_PREFIX = "wsa"  # noqa: S105 - the public prefix of every token, not a secret


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, organisation: Organisation, actor, name: str, scopes: list[str],
                     expires_at=None) -> tuple[ApiToken, str]:
    """A new token; returns (row, the token in clear). The clear token is never stored or shown again."""
    _require_owner(organisation=organisation, actor=actor)
    scopes = sorted(set(scopes))
    if not scopes or set(scopes) - set(ApiScope.values):
        raise EmployerError(_("Choose at least one valid scope."), code="scopes")
    while True:
        prefix = secrets.token_hex(4)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    raw = f"{API_TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(organisation=organisation, name=name.strip()[:100], prefix=prefix,
                                    token_hash=_token_hash(raw), scopes=scopes, created_by=actor,
                                    expires_at=expires_at)
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> None:
    """An owner revokes a token in the portal, or an administrator in the admin (a token reported leaked)."""
    if not _is_admin(actor, "accounts.change_apitoken"):
        _require_owner(organisation=token.organisation, actor=actor)
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        logger.info("API token %s of organisation %s revoked by %s", token.prefix, token.organisation_id,
                    actor.public_id)


def api_token_prefix(raw: str) -> str:
    """The prefix that names a token (``wsa_<prefix>_<secret>``), or "" for anything not of that form."""
    parts = (raw or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != API_TOKEN_PREFIX or not parts[1] or len(parts[1]) > 16:
        return ""
    return parts[1]


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The active token for `raw`, or None. Lookup by prefix, SHA-256 compared in constant time."""
    prefix = api_token_prefix(raw)
    if not prefix:
        return None
    token = ApiToken.objects.select_related("organisation").filter(prefix=prefix).first()
    if token is None:
        # Spend the same work as for a known prefix, so timing does not tell prefixes apart.
        hmac.compare_digest(_token_hash(raw), "0" * 64)
        return None
    if not hmac.compare_digest(_token_hash(raw), token.token_hash) or not token.is_active:
        return None
    if token.organisation.kind != OrganisationKind.EMPLOYER:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# Webhook endpoints ----------------------------------------------------------------------------

def _webhook_fernet():
    from cryptography.fernet import Fernet

    configured = getattr(settings, "WSA_WEBHOOK_ENCRYPTION_KEY", "")
    material = configured or f"wsa-webhook-secrets:{settings.SECRET_KEY}"
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest()))


def webhook_secret(endpoint: WebhookEndpoint) -> str:
    return _webhook_fernet().decrypt(endpoint.secret_encrypted.encode()).decode()


def webhook_url_validate(url: str) -> str:
    """Only http(s) URLs with a host; https outside development; no literal private addresses."""
    parts = urlsplit(url.strip())
    allow_http = getattr(settings, "WSA_WEBHOOK_ALLOW_HTTP", False)
    if parts.scheme not in (("https", "http") if allow_http else ("https",)) or not parts.hostname:
        raise ValidationError(_("Enter an https:// URL."), code="scheme")
    if parts.username or parts.password:
        raise ValidationError(_("The URL must not contain a user name or password."), code="credentials")
    if not getattr(settings, "WSA_WEBHOOK_ALLOW_PRIVATE_NETWORKS", False) and _names_a_non_public_host(parts.hostname):
        raise ValidationError(_("The URL must point to a public address."), code="private")
    return url.strip()


def _names_a_non_public_host(hostname: str) -> bool:
    """Whether the host, read as the resolver reads it, is this machine or a non-public address: localhost
    with or without the root dot and its subdomains, and every spelling of an address that inet_aton
    accepts (2130706433, 0x7f.0.0.1, 0177.0.0.1, 127.1). Names are resolved again at every delivery."""
    host = hostname.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost") or not host:
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        pass
    if all(part and (part.isdigit() or part.startswith("0x")) for part in host.split(".")):
        try:
            return not ipaddress.ip_address(socket.inet_aton(host)).is_global
        except OSError:
            return True  # numeric but no address: nothing a delivery could reach
    return False


@transaction.atomic
def webhook_endpoint_create(*, organisation: Organisation, actor, url: str,
                            description: str = "") -> tuple[WebhookEndpoint, str]:
    """Registers an endpoint; returns (row, the signing secret in clear, shown once)."""
    if actor is not None:
        _require_owner(organisation=organisation, actor=actor)
    try:
        url = webhook_url_validate(url)
    except ValidationError as exc:
        raise EmployerError(exc.messages[0], code="url") from exc
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation, url=url, description=description.strip()[:200],
        secret_encrypted=_webhook_fernet().encrypt(secret.encode()).decode(), created_by=actor,
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, actor) -> None:
    if actor is not None:
        _require_owner(organisation=endpoint.organisation, actor=actor)
    WebhookEndpoint.objects.filter(pk=endpoint.pk, disabled_at__isnull=True).update(disabled_at=timezone.now())


@transaction.atomic
def webhook_deliveries_retry(*, delivery_ids, actor) -> int:
    """An administrator has deliveries that did not succeed sent again: they are due now, and the beat
    sweep (or ``manage.py deliver_webhooks``) sends them. Returns how many."""
    if not _is_admin(actor, "accounts.change_webhookdelivery"):
        raise PermissionDenied("Only an administrator can send webhook deliveries again.")
    ids = list(WebhookDelivery.objects.filter(pk__in=list(delivery_ids))
               .exclude(state=WebhookDelivery.State.SUCCEEDED).values_list("pk", flat=True))
    WebhookDelivery.objects.filter(pk__in=ids).update(state=WebhookDelivery.State.PENDING,
                                                      next_attempt_at=timezone.now())
    if ids:
        logger.info("Webhook deliveries %s set to be sent again by %s", ids, actor.public_id)
    return len(ids)
