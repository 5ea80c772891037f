"""The applicant's status poll (every 5 s per open status page) answered from the cache alone.

One cache entry per case (Redis in production) stands in for the database on a warm poll: its
owner's user id, the session hash of the owner's current password (what Django's get_user checks)
and the case's version (Case.version, the ETag's counter). `StatusPollMiddleware`, right after the
session middleware, reads that entry and the session (cache-backed session engine) in one round trip
and answers 304 when the session names the owner with that hash, is not a staff session (whose idle
timeout the full chain keeps) and the browser already holds the ETag of that version in the language
the full chain would choose. Anything missing or not matching goes on through the full chain to the
view, which checks access as every other view does and fills the entry again: the cache can only
confirm what the database said, never grant more.

Kept in step: every change that counts Case.version calls `forget` (deleted at once and after the
commit, so that the next poll reads the new version); a user's save (password, deactivation) or
deletion forgets the entries of the cases they own. A poll that read the old version or password
just before a change committed reads both once more after writing its entry and takes the entry back
if either changed, so a stale entry never stays in the cache.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpResponseNotModified
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.crypto import constant_time_compare
from django.utils.http import parse_etags

from accounts.middleware import STAFF_FLAG_SESSION_KEY
from accounts.services import LANGUAGE_SESSION_KEY

from .models import Case

POLL_CACHE_SECONDS = 300


def _case_key(public_id) -> str:
    return f"wsa:poll:case:{public_id}"


def status_etag(public_id, version, language: str) -> str:
    return f'"{public_id}-v{version}-{language}"'


def status_headers(response, etag: str):
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie", "Accept-Language", "HX-Request"])
    return response


def _owned_version(session_data: dict, entry) -> int | None:
    user_id, session_hash = session_data.get(SESSION_KEY), session_data.get(HASH_SESSION_KEY)
    if not user_id or not session_hash or entry is None:
        return None
    owner_id, owner_hash, version = entry
    if str(owner_id) != str(user_id) or not constant_time_compare(owner_hash, session_hash):
        return None
    # The idle timeout of staff sessions runs in the full chain (accounts.middleware): only a session
    # marked at sign-in as not staff, for this very user, is answered here.
    flag = session_data.get(STAFF_FLAG_SESSION_KEY)
    if not isinstance(flag, dict) or str(flag.get("u")) != str(user_id) or flag.get("s") is not False:
        return None
    return version


def remember(*, user, public_id, version: int, current: Callable[[], tuple[int, str] | None]) -> None:
    """After the database showed that `user` (signed in, active) owns the case at `version`.

    `current` reads the version and the owner's session hash again after the entry is written: a change
    (of the case or of the password) that committed between the first read and the write is seen there
    and the entry taken back; one that commits after the write forgets the entry after its own commit."""
    session_hash = user.get_session_auth_hash()
    cache.set(_case_key(public_id), (user.pk, session_hash, version), POLL_CACHE_SECONDS)
    if current() != (version, session_hash):
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
    """A user's password, activation or existence changed: their cases' entries go."""
    forget(*Case.objects.filter(person__user_id=user_id).values_list("public_id", flat=True))


class StatusPollMiddleware:
    """The warm poll: 304 from the session and the case's entry, one cache round trip, no query.

    Placed right after SessionMiddleware: what it answers, the middleware below it would not have
    changed (host check as CommonMiddleware does; language as UserLanguageMiddleware and
    LocaleMiddleware choose it; the headers those, CommonMiddleware and XFrameOptionsMiddleware add
    to a 304)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._prefix = self._suffix = None

    def _split_path(self) -> tuple[str, str]:
        if self._prefix is None:
            sample = "00000000-0000-0000-0000-000000000000"
            self._prefix, self._suffix = reverse("applicant:case_status", args=[sample]).split(sample)
        return self._prefix, self._suffix

    def __call__(self, request):
        response = self._answer_from_cache(request)
        return response if response is not None else self.get_response(request)

    def _answer_from_cache(self, request):
        if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
            return None
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if not if_none_match:
            return None
        prefix, suffix = self._split_path()
        path = request.path_info
        if not (path.startswith(prefix) and path.endswith(suffix)):
            return None
        public_id = path[len(prefix):len(path) - len(suffix)]
        if len(public_id) != 36 or public_id.strip("0123456789abcdef-"):
            return None  # not what the URL's uuid converter takes: the full chain answers
        session = getattr(request, "session", None)
        session_key = getattr(session, "session_key", None)
        if not session_key or not hasattr(session, "cache_key_prefix"):
            return None
        session_cache = caches[settings.SESSION_CACHE_ALIAS]
        session_cache_key = session.cache_key_prefix + session_key
        if session_cache is cache:
            found = cache.get_many([session_cache_key, _case_key(public_id)])
            session_data, entry = found.get(session_cache_key), found.get(_case_key(public_id))
        else:
            session_data, entry = session_cache.get(session_cache_key), cache.get(_case_key(public_id))
        if session_data is None:
            return None
        session._session_cache = session_data  # the full chain reads it from here, not again from Redis
        version = _owned_version(session_data, entry)
        if version is None:
            return None
        request.get_host()  # CommonMiddleware's check of ALLOWED_HOSTS (raises DisallowedHost)
        language = self._language(request, session_data)
        etag = status_etag(public_id, version, language)
        if etag not in parse_etags(if_none_match):
            return None
        response = status_headers(HttpResponseNotModified(), etag)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        response.headers.setdefault("Content-Length", "0")
        return response

    @staticmethod
    def _language(request, session_data: dict) -> str:
        """The language the full chain would activate (UserLanguageMiddleware, then LocaleMiddleware;
        the portal's URLs carry no language prefix)."""
        chosen = session_data.get(LANGUAGE_SESSION_KEY)
        if chosen and translation.check_for_language(chosen):
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = chosen
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        return request.LANGUAGE_CODE
