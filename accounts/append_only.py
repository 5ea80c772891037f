"""Audit records that the ORM may add but never change or delete (the access log, issued decisions,
account deletions, the figure audit)."""

from django.db import models


class AppendOnlyViolation(RuntimeError):
    """An attempt to change or delete an audit record (access log, issued decision) through the ORM."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk changes and deletes of audit records (cascades of a deleted case still work)."""

    def update(self, **kwargs):
        raise AppendOnlyViolation(f"{self.model.__name__} rows are append-only: they are never updated.")

    def delete(self):
        raise AppendOnlyViolation(f"{self.model.__name__} rows are append-only: they are never deleted.")
