"""The HR API (django-ninja) at /api/v1/: employers' HR systems start cases with an invitation,
list and read their organisation's cases, and manage webhooks.

Authentication: ``Authorization: Bearer wsa_<prefix>_<secret>``, an organisation's token made by an
owner in /employer/tokens/ (shown once, stored as SHA-256). A missing, unknown, expired or revoked
token is a 401; a token without the scope an endpoint needs is a 403; a case of another
organisation is a 404; an address that sent too many wrong tokens gets 429 for a while
(WSA_API_AUTH_FAILURE_LIMIT per WSA_API_AUTH_FAILURE_WINDOW seconds), and so does a token that used up
its budget of requests (WSA_API_TOKEN_RATE); every 429 says in Retry-After how many seconds to wait.
What a case shows follows the candidate's consent, exactly as in the portal.
Schema: /api/schema/ (OpenAPI 3, JSON); docs: /api/docs/ (Swagger UI served from our own static
files, so it runs under the portal's CSP).
"""

from __future__ import annotations

import math
import threading
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.utils.translation import gettext
from ninja import Field, NinjaAPI, Query, Router, Schema, Status
from ninja.errors import HttpError, Throttled
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import ApiScope, ConsentScope
from accounts.security import api_auth_blocked, api_auth_failed, api_token_rate_consume

from ..after_arrival import services as after_arrival_services
from ..lifecycle import CaseState
from . import forms as employer_forms
from . import services as employer_services
from .selectors import (
    EmployerCaseFilters,
    case_authority_deadlines,
    case_consent_scope,
    case_invitation_status,
    case_needs,
    employer_case_candidate,
    employer_case_timeline,
    employer_cases,
    has_related,
    latest_invitation,
)

API_DESCRIPTION = """
The HR API of the Work-and-Stay-Agentur portal for employers.

**Authentication.** Send `Authorization: Bearer <token>`. Owners create tokens in the employer
portal under *API tokens*, with the scopes `cases:read`, `cases:write` and `webhooks:manage`.

**Consent.** Without the candidate's consent to share personal data a case shows its reference,
state, next step and deadlines only; `candidate` is then `null`.

**Limits.** Every token has a budget of requests per time window. Past it, and after too many wrong
tokens from one address, the answer is `429 Too Many Requests` with a `Retry-After` header: the
seconds to wait before the next request.

**Webhooks.** Status changes are POSTed to your endpoints, signed with
`X-WSA-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
"""


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        # An address that keeps sending wrong tokens is refused for a while (accounts.security); the check
        # follows the lookup, so that a valid token of another system behind the same address still works.
        api_token = account_services.api_token_authenticate(raw=token)
        prefix = account_services.api_token_prefix(token)
        blocked = api_auth_blocked(request, prefix=prefix, token_valid=api_token is not None)
        if api_token is None:
            api_auth_failed(request, prefix=prefix)
        if blocked:
            raise RateLimited(gettext("Too many failed attempts. Please try again later."),
                              wait=settings.WSA_API_AUTH_FAILURE_WINDOW)
        if api_token is None:
            return None
        request.api_token = api_token
        return api_token


class RateLimited(Throttled):
    """A 429 with its own message; ``wait`` becomes Retry-After."""

    def __init__(self, message: str, *, wait: int):
        super().__init__(wait=wait)
        self.message = message


class TokenBudget(BaseThrottle):
    """Each token's budget of requests (WSA_API_TOKEN_RATE, accounts.security). django-ninja runs it
    after the authentication, so only requests with a valid token count, and answers 429 with the
    seconds of ``wait()`` as Retry-After. One instance serves every thread: the wait is per thread."""

    def __init__(self):
        self._last = threading.local()

    def allow_request(self, request) -> bool:
        self._last.wait = api_token_rate_consume(request.auth.pk)
        return self._last.wait is None

    def wait(self) -> int | None:
        return getattr(self._last, "wait", None)


# Every operation can answer 429 (the token's budget, or an address throttled for wrong tokens).
TOO_MANY_REQUESTS = {
    "description": "Too many requests: the token used up its budget (WSA_API_TOKEN_RATE), or the address sent "
                   "too many wrong tokens. Wait for Retry-After seconds.",
    "headers": {"Retry-After": {"description": "Seconds to wait before the next request.",
                                "schema": {"type": "integer", "minimum": 1}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


class HrApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"].setdefault("responses", {})["TooManyRequests"] = TOO_MANY_REQUESTS
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"][429] = {"$ref": "#/components/responses/TooManyRequests"}
        return schema


api = HrApi(
    title="WSA HR API", version="1.0.0", description=API_DESCRIPTION, urls_namespace="hr_api",
    openapi_url="/schema/", docs_url="/docs/", auth=TokenAuth(), throttle=TokenBudget(),
)


@api.exception_handler(Throttled)
def too_many_requests(request, exc: Throttled):
    response = api.create_response(request, {"detail": str(exc)}, status=429)
    if exc.wait:
        response["Retry-After"] = str(max(1, math.ceil(exc.wait)))
    return response
v1 = Router(tags=["cases"])
hooks = Router(tags=["webhooks"])


def _require(request, scope: str):
    token = request.auth
    if scope not in (token.scopes or []):
        raise HttpError(403, gettext("This token does not have the scope “%(scope)s”.") % {"scope": scope})
    return token


# --- Schemas ------------------------------------------------------------------------------------


class Error(Schema):
    detail: str | list


class CandidateIn(Schema):
    given_names: str = Field("", max_length=150)
    surname: str = Field(..., min_length=1, max_length=100)
    email: str = Field(..., min_length=3, max_length=254, description="The invitation goes to this address.")


class EmploymentIn(Schema):
    job_title: str = Field(..., max_length=200)
    occupation_kldb: str = Field("", max_length=5, description="KldB 2010, 5 digits (this or ISCO-08).")
    occupation_isco: str = Field("", max_length=4, description="ISCO-08, 4 digits (this or KldB 2010).")
    duties: str = Field(..., max_length=5000)
    required_qualification: Literal["academic", "vocational", "none"]
    required_qualification_detail: str = Field("", max_length=300)
    annual_gross_salary: Decimal = Field(..., gt=0, max_digits=10, decimal_places=2)
    weekly_hours: Decimal = Field(..., gt=0, max_digits=4, decimal_places=1)
    start_date: date
    duration_months: int | None = Field(None, ge=1, le=120, description="Empty for a permanent contract.")
    workplace_street: str = Field(..., max_length=200)
    workplace_postal_code: str = Field(..., max_length=10)
    workplace_city: str = Field(..., max_length=100)
    workplace_state: str = Field(..., max_length=2, description="BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, "
                                                                "ST, SH or TH.")
    collective_agreement: bool = False
    working_conditions: str = Field("", max_length=5000)


class CaseIn(Schema):
    candidate: CandidateIn
    employment: EmploymentIn
    title_code: str = Field("", max_length=10, description="18a, 18b, 18g, 19c, 20a, 16d1, 16d3 or empty.")
    accelerated: bool = Field(False, description="The accelerated skilled-worker procedure (§ 81a AufenthG).")
    procedure_language: Literal["de", "en"] = "de"
    your_reference: str = Field("", max_length=100, description="Your own reference; no personal data.")


class NeedOut(Schema):
    who: str
    who_label: str
    text: str
    due: datetime | None


class DeadlineOut(Schema):
    step: str
    authority: str
    due: datetime | None
    deemed_approval: bool


class InvitationOut(Schema):
    status: str = Field(description="accepted, pending, expired, declined, revoked or empty")
    expires_at: datetime | None


class EmploymentOut(Schema):
    job_title: str
    occupation_kldb: str
    occupation_isco: str
    annual_gross_salary: Decimal
    weekly_hours: Decimal
    start_date: date | None
    duration_months: int | None
    workplace_city: str
    workplace_state: str


class CandidateOut(Schema):
    given_names: str
    surname: str
    email: str
    birth_date: date | None
    nationality: str


class CaseOut(Schema):
    id: UUID
    reference: str
    your_reference: str
    state: str
    state_label: str
    title_code: str
    accelerated: bool
    consent: str = Field(description="'full', 'status' or '' (no consent in force)")
    next_step: NeedOut | None
    needs: list[NeedOut]
    deadlines: list[DeadlineOut]
    invitation: InvitationOut
    employment: EmploymentOut | None
    candidate: CandidateOut | None = Field(description="Only with the candidate's consent to share personal data.")
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    next_page: int | None
    items: list[CaseOut]


class StatusOut(Schema):
    id: UUID
    reference: str
    state: str
    state_label: str
    consent: str
    next_step: NeedOut | None
    needs: list[NeedOut]
    deadlines: list[DeadlineOut]
    updated_at: datetime


class EventOut(Schema):
    kind: str
    from_state: str
    to_state: str
    created_at: datetime
    text: str


class WebhookIn(Schema):
    url: str = Field(..., max_length=500)
    description: str = Field("", max_length=200)


class WebhookOut(Schema):
    id: UUID
    url: str
    description: str
    events: list[str]
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Shown only now: keep it to verify X-WSA-Signature.")


class DeliveryOut(Schema):
    id: UUID
    event_type: str
    state: str
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime


# --- Serialisation (consent-respecting) -----------------------------------------------------------


def _need(need) -> dict | None:
    return None if need is None else {"who": need.who, "who_label": need.who_label, "text": need.text,
                                      "due": need.due}


def _case_out(case) -> dict:
    needs = case_needs(case=case)
    candidate = employer_case_candidate(case=case)
    invitation = latest_invitation(case)
    details = case.employer_details if has_related(case, "employer_details") else None
    employment = case.employment if has_related(case, "employment") else None
    return {
        "id": case.public_id, "reference": case.reference,
        "your_reference": details.employer_reference if details else "",
        "state": case.state, "state_label": str(case.get_state_display()), "title_code": case.title_code,
        "accelerated": case.accelerated, "consent": case_consent_scope(case=case),
        "next_step": _need(needs[0] if needs else None), "needs": [_need(n) for n in needs],
        "deadlines": case_authority_deadlines(case=case),
        "invitation": {"status": case_invitation_status(case=case),
                       "expires_at": invitation.expires_at if invitation and not invitation.accepted_at else None},
        "employment": None if employment is None else {
            name: getattr(employment, name) for name in EmploymentOut.model_fields},
        "candidate": None if candidate is None else {name: candidate[name] or ("" if name != "birth_date" else None)
                                                     for name in CandidateOut.model_fields},
        "created_at": case.created_at, "updated_at": case.updated_at, "submitted_at": case.submitted_at,
    }


def _cases(token, **filters):
    return employer_cases(organisations=[token.organisation],
                                    filters=EmployerCaseFilters(**filters))


def _case(token, case_id: UUID):
    case = _cases(token).filter(public_id=case_id).first()
    if case is None:
        raise HttpError(404, gettext("No such case."))
    return case


# --- Cases --------------------------------------------------------------------------------------


@v1.post("/cases", response={201: CaseOut, 401: Error, 403: Error, 422: Error},
         summary="Start a case and invite the candidate")
def case_create(request, payload: CaseIn):
    token = _require(request, ApiScope.CASES_WRITE)
    actor = token.created_by
    if actor is None or account_selectors.employer_role(user=actor, organisation=token.organisation) is None:
        raise HttpError(403, gettext("The person who created this token is no longer a member of the organisation."))
    data = {**payload.candidate.model_dump(), **payload.employment.model_dump(), "title_code": payload.title_code,
            "accelerated": payload.accelerated, "procedure_language": payload.procedure_language,
            "employer_reference": payload.your_reference}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    form = employer_forms.CaseStartForm(data=data)
    if not form.is_valid():
        return Status(422, {"detail": [{"loc": ["body", name], "msg": str(message)}
                                       for name, errors in form.errors.items() for message in errors]})
    try:
        case, _invitation = employer_services.employer_case_start(organisation=token.organisation, actor=actor,
                                                         **form.start_kwargs())
    except account_services.EmployerError as exc:
        return Status(422, {"detail": str(exc)})
    return Status(201, _case_out(_case(token, case.public_id)))


@v1.get("/cases", response={200: CasePage, 401: Error, 403: Error}, summary="List the organisation's cases")
def case_list(request, page: int = Query(1, ge=1, le=100000), page_size: int = Query(25, ge=1, le=100),
              state: str = Query("", max_length=30, description="Only cases in this state."),
              q: str = Query("", max_length=100, description="Reference, your reference, or consented name.")):
    token = _require(request, ApiScope.CASES_READ)
    cases = _cases(token, state=state if state in CaseState.values else "", q=q)
    count = cases.count()
    start = (page - 1) * page_size
    items = [_case_out(case) for case in cases[start:start + page_size]]
    return {"count": count, "page": page, "page_size": page_size,
            "next_page": page + 1 if start + page_size < count else None, "items": items}


@v1.get("/cases/{case_id}", response={200: CaseOut, 401: Error, 403: Error, 404: Error}, summary="Read a case")
def case_read(request, case_id: UUID):
    token = _require(request, ApiScope.CASES_READ)
    return _case_out(_case(token, case_id))


@v1.get("/cases/{case_id}/status", response={200: StatusOut, 401: Error, 403: Error, 404: Error},
        summary="Read a case's state, next step and deadlines")
def case_status(request, case_id: UUID):
    token = _require(request, ApiScope.CASES_READ)
    case = _case(token, case_id)
    out = _case_out(case)
    return {name: out[name] for name in StatusOut.model_fields}


@v1.get("/cases/{case_id}/events", response={200: list[EventOut], 401: Error, 403: Error, 404: Error},
        summary="Read a case's timeline (state changes only, unless the candidate shares their data)")
def case_events(request, case_id: UUID):
    token = _require(request, ApiScope.CASES_READ)
    case = _case(token, case_id)
    full = case_consent_scope(case=case) == ConsentScope.FULL
    return [{"kind": e.kind, "from_state": e.from_state, "to_state": e.to_state, "created_at": e.created_at,
             "text": e.text if full or e.kind in ("created", "transition") else ""}
            for e in employer_case_timeline(case=case)]


class EmploymentEndIn(Schema):
    ended_on: date = Field(description="The last day of the employment.")
    reason: str = Field("", max_length=500, description="Optional: why it ended.")


class EmploymentEndOut(Schema):
    ended_on: date
    late: bool = Field(description="True when reported more than four weeks after the end "
                                   "(§ 4a Abs. 5 S. 3 Nr. 3 AufenthG); the report is recorded all the same.")


@v1.post("/cases/{case_id}/employment-end",
         response={201: EmploymentEndOut, 401: Error, 403: Error, 404: Error, 422: Error},
         summary="Report that the employment ended early (to the foreigners' authority)")
def case_employment_end(request, case_id: UUID, payload: EmploymentEndIn):
    token = _require(request, ApiScope.CASES_WRITE)
    case = _case(token, case_id)
    actor = token.created_by
    if actor is None or account_selectors.employer_role(user=actor, organisation=token.organisation) is None:
        raise HttpError(403, gettext("The person who created this token is no longer a member of the organisation."))
    try:
        result = after_arrival_services.employment_end_report(case=case, actor=actor, ended_on=payload.ended_on,
                                                              reason=payload.reason)
    except after_arrival_services.AfterArrivalError as exc:
        return Status(422, {"detail": str(exc)})
    return Status(201, {"ended_on": result.ended_on, "late": result.late})


# --- Webhooks -----------------------------------------------------------------------------------


def _endpoint(token, webhook_id: UUID):
    endpoint = account_selectors.webhook_endpoint_get(organisation=token.organisation, public_id=webhook_id)
    if endpoint is None:
        raise HttpError(404, gettext("No such webhook."))
    return endpoint


def _webhook_out(endpoint) -> dict:
    return {"id": endpoint.public_id, "url": endpoint.url, "description": endpoint.description,
            "events": endpoint.events, "created_at": endpoint.created_at}


@hooks.get("/webhooks", response={200: list[WebhookOut], 401: Error, 403: Error}, summary="List webhooks")
def webhook_list(request):
    token = _require(request, ApiScope.WEBHOOKS_MANAGE)
    return [_webhook_out(e) for e in account_selectors.webhook_endpoint_list(organisation=token.organisation)]


@hooks.post("/webhooks", response={201: WebhookCreated, 401: Error, 403: Error, 422: Error},
            summary="Register a webhook endpoint (the secret is returned once)")
def webhook_create(request, payload: WebhookIn):
    token = _require(request, ApiScope.WEBHOOKS_MANAGE)
    try:
        # The token's scope is the owner's authorisation.
        endpoint, secret = account_services.webhook_endpoint_create(
            organisation=token.organisation, actor=None, url=payload.url, description=payload.description)
    except account_services.EmployerError as exc:
        return Status(422, {"detail": str(exc)})
    return Status(201, {**_webhook_out(endpoint), "secret": secret})


@hooks.delete("/webhooks/{webhook_id}", response={204: None, 401: Error, 403: Error, 404: Error},
              summary="Remove a webhook endpoint")
def webhook_delete(request, webhook_id: UUID):
    token = _require(request, ApiScope.WEBHOOKS_MANAGE)
    account_services.webhook_endpoint_disable(endpoint=_endpoint(token, webhook_id), actor=None)
    return Status(204, None)


@hooks.get("/webhooks/{webhook_id}/deliveries", response={200: list[DeliveryOut], 401: Error, 403: Error,
                                                           404: Error},
           summary="The delivery log of a webhook endpoint (latest 100)")
def webhook_deliveries(request, webhook_id: UUID):
    token = _require(request, ApiScope.WEBHOOKS_MANAGE)
    endpoint = _endpoint(token, webhook_id)
    return [{"id": d.public_id, "event_type": d.event_type, "state": d.state, "attempts": d.attempts,
             "last_status_code": d.last_status_code, "last_error": d.last_error, "created_at": d.created_at,
             "delivered_at": d.delivered_at, "next_attempt_at": d.next_attempt_at}
            for d in account_selectors.webhook_delivery_list(endpoint=endpoint)[:100]]


api.add_router("/v1/", v1)
api.add_router("/v1/", hooks)
