"""Run by test_session_teardown.py in a pytest process of its own (the file name keeps it out of the suite):
a test that uses the database, a browser test, then a test that uses the database after it, in this order."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_database_before_the_browser():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_page_in_the_browser(live_server, page):
    page.goto(live_server.url + "/imprint/")
    assert page.locator("h1").count() == 1


def test_the_database_after_the_browser(django_db_blocker):
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
