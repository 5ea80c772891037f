"""The applicant's status poll (every 5 s per open status page) answered from the cache alone.

Two cache entries (Redis in production) stand in for the database on a warm poll:

* per case: its owner's user id and its version (Case.version, the ETag's counter);
* per user: the session hash of their current password (what Django's get_user checks).

A poll whose session (cache-backed session engine) names the case's owner with that hash gets the
version without a query. Anything missing or not matching falls back to the database path, which
checks access as every other view does and fills the entries again: the cache can only confirm
what the database said, never grant more.

Kept in step: every change that counts Case.version calls `forget` (deleted at once and after the
commit, so that the next poll reads the new version); a user's save or deletion (password, deactivation)
forgets their entry. A poll that read the old version just before a change committed reads the version
once more after writing its entry and takes the entry back if it changed, so a stale version never
stays in the cache.
"""

from collections.abc import Callable

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.utils.crypto import constant_time_compare

POLL_CACHE_SECONDS = 300


def _case_key(public_id) -> str:
    return f"wsa:poll:case:{public_id}"


def _user_key(user_id) -> str:
    return f"wsa:poll:user:{user_id}"


def cached_version(request, public_id) -> int | None:
    """The case's version if the cache alone shows that this session's user owns it; else None."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    user_id, session_hash = session.get(SESSION_KEY), session.get(HASH_SESSION_KEY)
    if not user_id or not session_hash:
        return None
    entries = cache.get_many([_case_key(public_id), _user_key(user_id)])
    case, user_hash = entries.get(_case_key(public_id)), entries.get(_user_key(user_id))
    if case is None or user_hash is None:
        return None
    owner_id, version = case
    if str(owner_id) != str(user_id) or not constant_time_compare(user_hash, session_hash):
        return None
    return version


def remember(*, user, public_id, version: int, current_version: Callable[[], int | None]) -> None:
    """After the database showed that `user` (signed in, active) owns the case at `version`.

    `current_version` reads the version again after the entry is written: a change that committed
    between the first read and the write is seen there and the entry taken back; a change that
    commits after the write forgets the entry after its own commit."""
    cache.set_many({_case_key(public_id): (user.pk, version), _user_key(user.pk): user.get_session_auth_hash()},
                   POLL_CACHE_SECONDS)
    if current_version() != version:
        cache.delete(_case_key(public_id))


def forget(*public_ids) -> None:
    """The cases changed (or changed hands): the next poll asks the database."""
    keys = [_case_key(public_id) for public_id in public_ids]
    if keys:
        # Now and again after the commit: a poll in between still reads the old version from the
        # database and may have put it back.
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def forget_user(user_id) -> None:
    cache.delete(_user_key(user_id))
