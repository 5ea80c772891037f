"""Test helpers for signed-in sessions: a user who has just re-authenticated (sensitive actions ask for
the password again after ACCOUNT_REAUTHENTICATION_TIMEOUT), and a TOTP authenticator (staff and
employer owners need one)."""

import time

from allauth.mfa.models import Authenticator


def give_totp(user):
    """A TOTP authenticator, so that the second-factor middleware lets the user into their portal."""
    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}})
    return user


def reauthenticated(client, user=None, *, at=None):
    """Records in the client's session that its user re-authenticated with the password just now (or at `at`)."""
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )

    session = client.session
    user_id = str(user.pk) if user is not None else session.get("_auth_user_id")
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time() if at is None else at, "reauthenticated": True}]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id
    session.save()
    return client
