"""The applicant's status poll from the cache alone (applications/status_poll.py): it never tells
anyone but the case's owner anything, and it follows changes of the case and of the owner's account."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from applications import services
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned():
    cache.clear()
    owner = UserFactory(preferred_language="en")
    case = services.case_create(person=PersonFactory(user=owner), actor=owner, title_code="18b",
                                procedure_language="en")
    return owner, case


def poll(client, case, etag=None):
    url = reverse("applicant:case_status", args=[case.public_id])
    extra = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en", **extra)


def test_another_signed_in_person_learns_nothing_of_a_case_the_cache_knows(client, owned,
                                                                           django_assert_max_num_queries):
    owner, case = owned
    client.force_login(owner)
    etag = poll(client, case)["ETag"]
    assert poll(client, case, etag).status_code == 304  # the cache now holds the case and its owner

    client.force_login(UserFactory())
    with django_assert_max_num_queries(10):  # refused by the database path, not by a cached answer
        assert poll(client, case, etag).status_code == 404
    assert poll(client, case).status_code == 404
    client.logout()
    refused = poll(client, case, etag)
    assert refused.status_code == 302 and "ETag" not in refused


def test_a_new_password_ends_the_cache_only_polls_of_older_sessions(client, owned):
    owner, case = owned
    client.force_login(owner)
    etag = poll(client, case)["ETag"]
    assert poll(client, case, etag).status_code == 304
    owner.set_password("a-completely-new-passphrase-77")
    owner.save()
    assert poll(client, case, etag).status_code == 302  # the old session is signed out, as on any page


def test_a_deactivated_account_gets_no_answer_from_the_cache(client, owned):
    owner, case = owned
    client.force_login(owner)
    etag = poll(client, case)["ETag"]
    owner.is_active = False
    owner.save()
    assert poll(client, case, etag).status_code == 302


def test_a_change_of_the_case_is_seen_by_the_next_poll(client, owned, django_capture_on_commit_callbacks):
    owner, case = owned
    client.force_login(owner)
    etag = poll(client, case)["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        services.case_draft_update(case=case, actor=owner, accelerated=True)
    changed = poll(client, case, etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert poll(client, case, changed["ETag"]).status_code == 304


def test_a_malformed_or_unknown_case_id_is_not_found(client, owned):
    import uuid

    owner, _case = owned
    client.force_login(owner)
    url = reverse("applicant:case_status", args=[uuid.uuid4()])
    assert client.get(url, HTTP_IF_NONE_MATCH='"x"').status_code == 404
    assert client.get(url.replace("/status/", "x/status/")).status_code == 404


@pytest.mark.django_db
def test_a_version_read_just_before_a_change_committed_does_not_stay_in_the_cache():
    """The race: a poll reads version n, the change to n+1 commits (and forgets the entry), then the poll
    writes n. The poll's second read sees n+1 and takes its entry back."""
    from applications import status_poll

    user = UserFactory()
    public_id = "6f1c4c3e-0000-4000-8000-000000000001"
    session_hash = user.get_session_auth_hash()
    # What the database says when the poll reads again: the change committed.
    status_poll.remember(user=user, public_id=public_id, version=7, current=lambda: (8, session_hash))
    assert cache.get(status_poll._case_key(public_id)) is None
    # A new password committed in between: the entry goes too.
    status_poll.remember(user=user, public_id=public_id, version=8, current=lambda: (8, "another hash"))
    assert cache.get(status_poll._case_key(public_id)) is None
    status_poll.remember(user=user, public_id=public_id, version=8, current=lambda: (8, session_hash))
    assert cache.get(status_poll._case_key(public_id)) == (user.pk, session_hash, 8)


def _headers(response) -> dict:
    per_response = ("Content-Security-Policy", "X-Request-ID")  # a nonce and an id of their own each time
    headers = {name: value for name, value in response.headers.items() if name not in per_response}
    headers["Vary"] = sorted(part.strip() for part in headers.get("Vary", "").split(","))
    return headers


def test_the_cache_only_304_touches_no_database_and_carries_the_headers_of_the_full_chain(
        client, owned, django_assert_num_queries):
    from applications import status_poll

    owner, case = owned
    client.force_login(owner)
    etag = poll(client, case)["ETag"]
    cache.delete(status_poll._case_key(case.public_id))
    through_the_chain = poll(client, case, etag)  # the view's 304, which writes the entry again
    with django_assert_num_queries(0):
        from_the_cache = poll(client, case, etag)
    assert through_the_chain.status_code == from_the_cache.status_code == 304
    assert _headers(from_the_cache) == _headers(through_the_chain)
    assert "nonce-" in from_the_cache["Content-Security-Policy"]


def test_a_session_that_signed_out_gets_no_answer_from_the_cache(client, owned):
    from django.conf import settings

    owner, case = owned
    client.force_login(owner)
    etag = poll(client, case)["ETag"]
    old_session = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.logout()
    client.cookies[settings.SESSION_COOKIE_NAME] = old_session  # the signed-out session's cookie, replayed
    refused = poll(client, case, etag)
    assert refused.status_code == 302 and "ETag" not in refused


def test_another_persons_session_with_the_owners_etag_goes_to_the_database(client, owned):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner, case = owned
    client.force_login(owner)
    etag = poll(client, case)["ETag"]
    assert poll(client, case, etag).status_code == 304
    other = UserFactory(preferred_language="en")
    client.force_login(other)
    with CaptureQueriesContext(connection) as queries:
        refused = poll(client, case, etag)
    assert refused.status_code == 404 and "ETag" not in refused
    assert any("applications_case" in query["sql"] for query in queries.captured_queries)


def test_a_staff_session_is_left_to_the_full_chain_and_its_idle_timeout(client, owned):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.middleware import STAFF_FLAG_SESSION_KEY

    owner, case = owned
    client.force_login(owner)
    etag = poll(client, case)["ETag"]
    session = client.session
    session[STAFF_FLAG_SESSION_KEY] = {"u": owner.pk, "s": True}
    session.save()
    with CaptureQueriesContext(connection) as queries:
        assert poll(client, case, etag).status_code == 304
    assert len(queries) > 0  # the view's database path, behind the idle timeout


def test_the_cache_answers_in_the_language_the_full_chain_would_choose(client, owned, django_assert_num_queries):
    from accounts.services import LANGUAGE_SESSION_KEY

    owner, case = owned
    client.force_login(owner)
    english = poll(client, case)["ETag"]
    session = client.session
    session[LANGUAGE_SESSION_KEY] = "de"  # the language chosen in the portal beats the browser's
    session.save()
    german = poll(client, case, english)
    assert german.status_code == 200 and german["ETag"].endswith('-de"') and german["Content-Language"] == "de"
    with django_assert_num_queries(0):
        again = poll(client, case, german["ETag"])
    assert again.status_code == 304 and again["Content-Language"] == "de"


def test_a_deleted_account_gets_no_answer_from_the_cache(client, owned):
    owner, case = owned
    client.force_login(owner)
    etag = poll(client, case)["ETag"]
    assert poll(client, case, etag).status_code == 304
    owner.delete()
    assert poll(client, case, etag).status_code == 302
