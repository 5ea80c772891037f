"""The authority requests as the back office reads them: which still wait for an answer, which cases
an office was asked about."""

from django.db.models import Q, QuerySet

from authorities.models import AuthorityRequest, RequestState

# Besides the requests that owe an answer (sent, acknowledged), one still on its way (pending) is
# already the office's to answer in the back office.
WAITING_STATES = [str(state) for state in (*RequestState.open_states(), RequestState.PENDING)]


def waiting_requests() -> QuerySet[AuthorityRequest]:
    """The authority requests that still wait for an answer."""
    return AuthorityRequest.objects.filter(state__in=WAITING_STATES)


def cases_requested_from_q(office_ids) -> Q | None:
    """Cases with a request to one of the offices `office_ids` (organisation ids); None when there is
    no office (fail closed)."""
    if not office_ids:
        return None
    return Q(pk__in=AuthorityRequest.objects.filter(authority__organisation__in=list(office_ids)).values("case"))
