"""Test helpers for signed-in sessions: a user who has just re-authenticated (sensitive actions ask for
the password again after ACCOUNT_REAUTHENTICATION_TIMEOUT), and a TOTP authenticator (staff and
employer owners need one)."""

import time

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client

force_login_password_only = Client.force_login


def force_login_with_second_factor(client, user, backend=None):
    """Django's force_login, and in the session what allauth records when the sign-in's second step (the
    authenticator code) is passed."""
    force_login_password_only(client, user, backend)
    now = time.time()
    _record(client, user, {"method": "password", "at": now}, {"method": "mfa", "at": now, "type": "totp"})


def give_totp(user):
    """A TOTP authenticator, so that the second-factor middleware lets the user into their portal."""
    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}})
    return user


def with_totp(user) -> str:
    """A real TOTP authenticator for `user`; returns its secret, from which totp_code makes codes."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for `secret`. With no tolerance (allauth's default) a
    code read in the last seconds of its period would be checked in the next one: wait for the next."""
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        time.sleep(period - time.time() % period + 0.1)
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def reauthenticated(client, user=None, *, at=None):
    """Records in the client's session that its user re-authenticated with the password just now (or at `at`)."""
    _record(client, user, {"method": "password", "at": time.time() if at is None else at, "reauthenticated": True})
    return client


def _record(client, user, *records):
    """Appends allauth authentication records to the session of the client's (or the given) user."""
    session = client.session
    user_id = str(user.pk) if user is not None else session.get("_auth_user_id")
    kept = session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    if session.get(_AUTHENTICATION_METHODS_USER_SESSION_KEY) != user_id:
        kept = []
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [*kept, *records]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id
    session.save()
