"""Exceptions that the checks must never turn into findings.

Every broad ``except Exception`` in this package exists to turn hostile input into a finding.
A worker's soft time limit (Celery raises ``SoftTimeLimitExceeded``, an ``Exception``, inside
whatever code runs) is not hostile input: it has to reach the task, which records the timeout.
Handlers re-raise these first: ``except PASS_THROUGH: raise``.
"""

try:
    from billiard.exceptions import SoftTimeLimitExceeded
except ImportError:  # without Celery there is no soft time limit to pass on
    class SoftTimeLimitExceeded(Exception):  # noqa: N818 - mirrors billiard's name
        pass

PASS_THROUGH: tuple[type[BaseException], ...] = (SoftTimeLimitExceeded,)
