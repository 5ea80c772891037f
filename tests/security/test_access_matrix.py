"""The access matrix: every URL pattern of the project, every kind of actor, own and foreign objects.

`MATRIX` declares, for each named URL pattern (key: "namespace:name"; the route for unnamed ones), what
each actor gets for a GET of the side-"A" objects of tests/security/world.py. The test then also checks:

- that no actor gets a 200 (or any success) for an object of the other side it has no business with
  (the applicant, the employer and the authority offices of A against B's objects), and that B's own
  people get the same answer for B's objects as A's people get for A's (the worlds are symmetric);
- for every view that changes something on POST (or DELETE): a POST from every actor who may not act
  is refused (403/404, or to the login for anonymous visitors) and changes nothing in the database;
- that every URL pattern of the project has an entry here: a new URL without one fails with a message.

Admin URLs and the allauth account pages are covered by group rules, but every one is requested.
Answers: an int is the status code; "L" a redirect to the login page, "AL" one to the admin login, "R"
any other redirect, "OK" 200 or a redirect (allauth pages whose flow depends on the account's state).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .world import ACTORS, build_world

pytestmark = pytest.mark.django_db

APPLICANTS = ("applicant", "other_applicant")
EMPLOYERS = ("owner", "member", "other_employer")
REPRESENTATIVES = ("rep", "other_rep")
RESTRICTED = ("ba", "visa", "abh", "zab")
SEES_ALL = ("wsa", "supervisor", "admin")
STAFF = RESTRICTED + SEES_ALL
SIGNED_IN = tuple(a for a in ACTORS if a != "anon")
GROUPS = {"signed_in": SIGNED_IN, "staff": STAFF, "restricted": RESTRICTED, "sees_all": SEES_ALL,
          "employers": EMPLOYERS, "applicants": APPLICANTS, "reps": REPRESENTATIVES}
# The people of side A who must not reach side B's objects, and the mirror of B's people on side A.
FOREIGN_ON_B = ("applicant", "owner", "member", "rep") + RESTRICTED
MIRROR = {"other_applicant": "applicant", "other_employer": "owner", "other_rep": "rep"}
REFUSED = {400, 403, 404, 405, 410}


def E(default, **codes) -> dict:
    """Expected answers: `default` for everybody, then groups (signed_in, staff, ...), then single actors."""
    unknown = set(codes) - set(ACTORS) - set(GROUPS)
    assert not unknown, f"unknown actors {unknown}"
    expected = dict.fromkeys(ACTORS, default)
    for group in GROUPS:
        if group in codes:
            expected.update(dict.fromkeys(GROUPS[group], codes[group]))
    expected.update({k: v for k, v in codes.items() if k in ACTORS})
    return expected


@dataclass
class Rule:
    get: dict
    kw: Callable | None = None  # Side -> URL kwargs (None: the URL names no object)
    post: dict | None = None  # data for the refused-POST check (None: GET-only view)
    allowed: tuple = ()  # who may POST on side A; everybody else must be refused
    objects: bool = True  # False: the URL carries a capability (token, code), not an object id


def case(s):
    return {"public_id": s.case.public_id}


def draft(s):
    return {"public_id": s.draft.public_id}


def employer_draft(s):
    return {"public_id": s.employer_draft.public_id}


# Shorthands for the portals' guards.
APPLICANT_PAGE = E(200, anon="L")  # any signed-in person may use the applicant portal (their own data)
APPLICANT_OWN = E(404, anon="L", applicant=200)  # ... and only their own objects
EMPLOYER_PAGE = E(403, anon="L", employers=200)
EMPLOYER_OWN = E(404, anon="L", applicants=403, staff=403, reps=403, owner=200, member=200)
OWNER_PAGE = E(403, anon="L", owner=200, other_employer=200)
STAFF_PAGE = E(403, anon="L", staff=200)
POST_ONLY_EMPLOYER = E(403, anon="L", employers=405)
POST_ONLY_STAFF = E(403, anon="L", staff=405)
POST_ONLY_APPLICANT = E(405, anon="L")
REP_PAGE = E(403, anon="L", reps=200)
REP_OWN = E(403, anon="L", rep=200, other_rep=404)  # a case or object of A's clients
POST_ONLY_REP = E(403, anon="L", reps=405)

MATRIX: dict[str, Rule] = {
    # --- public --------------------------------------------------------------------------------
    "home": Rule(E(200)),
    "portal_home": Rule(E("R", anon="L")),
    "set_language": Rule(E(405), post={"language": "en"}, allowed=ACTORS),
    "healthz": Rule(E(200)),
    "readyz": Rule(E(200)),
    "metrics": Rule(E(404)),  # without METRICS_TOKEN; tests/observability cover the token
    "favicon": Rule(E("R")),
    "imprint": Rule(E(200)),
    "privacy": Rule(E(200)),
    "accessibility": Rule(E(200), post={"barrier-description": "The date picker cannot be reached."},
                          allowed=ACTORS),
    "contact": Rule(E(200)),
    "easy_language": Rule(E(200)),
    "sign_language": Rule(E(200)),
    # The share-code check: anyone may ask; wrong codes pause the address (tests/applications/titles).
    "share_code_check": Rule(E(200), post={"code": "ABC-DEF-GHJ-KMN", "purpose": "right_to_work"}, allowed=ACTORS),
    "decision_verify": Rule(E(200), kw=lambda s: {"code": s.issued_decision.verification_code}, objects=False),
    "certificate_verify": Rule(E(200), kw=lambda s: {"code": s.certificate.verification_code}, objects=False),
    "finder:start": Rule(E(200)),
    "finder:step": Rule(E(200), kw=lambda s: {"name": "qualification"}, objects=False),
    "finder:result": Rule(E("R")),
    "finder:restart": Rule(E(405), post={}, allowed=ACTORS),
    "authority_callback": Rule(E(405), post={"submissions": []}, allowed=()),
    # The provider's notification: POST only, and refused (403) for everybody without the signature.
    "payment_notify": Rule(E(405), post={"reference": "x", "status": "paid"}, allowed=()),
    # The simulated bank's page: its unguessable payment reference is the capability (as a bank's link).
    "payment_simulator": Rule(E(200), kw=lambda s: {"reference": s.payment.reference}, objects=False,
                              post={"action": "cancel"}, allowed=ACTORS),
    # --- allauth (group rule: the account pages of the signed-in user; no object ids) -----------
    "account_login": Rule(E("R", anon=200)),
    "account_logout": Rule(E(200, anon="R")),
    "account_inactive": Rule(E(200)),
    "account_signup": Rule(E("R", anon=200)),
    "account_reauthenticate": Rule(E(200, anon="L")),
    # Re-authentication by an e-mailed code is switched off (ACCOUNT_REAUTHENTICATION_METHODS).
    "account_request_reauthentication_code": Rule(E(403, anon="L")),
    "account_confirm_reauthentication_code": Rule(E(403, anon="L")),
    "account_email": Rule(E(200, anon="L")),
    "account_email_verification_sent": Rule(E(200)),
    "account_change_password": Rule(E(200, anon="L")),
    "account_set_password": Rule(E("R", anon="L")),
    "account_reset_password": Rule(E(200)),
    "account_confirm_login_code": Rule(E("R", anon="L")),
    "account_confirm_email": Rule(E(200), kw=lambda s: {"key": "not-a-key"}, objects=False),
    "account_reset_password_from_key_done": Rule(E(200)),
    "account_reset_password_from_key": Rule(E(200), kw=lambda s: {"uidb36": "zz", "key": "not-a-key"},
                                            objects=False),
    "account_reset_password_done": Rule(E(200)),
    "mfa_index": Rule(E(200, anon="L")),
    "mfa_authenticate": Rule(E("R", anon="L")),
    "mfa_reauthenticate": Rule(E(200, anon="L", applicants="R", member="R")),
    "mfa_activate_totp": Rule(E("R", anon="L", applicants=200, member=200)),
    "mfa_deactivate_totp": Rule(E(200, anon="L", applicants=404, member=404)),
    "mfa_view_recovery_codes": Rule(E(404, anon="L")),
    "mfa_generate_recovery_codes": Rule(E(200, anon="L")),
    "mfa_download_recovery_codes": Rule(E(404, anon="L")),
    # Security keys (WebAuthn): nobody in the world has one, so a key's own pages are 404 for everyone.
    "mfa_list_webauthn": Rule(E(200, anon="L")),
    "mfa_add_webauthn": Rule(E(200, anon="L")),
    "mfa_reauthenticate_webauthn": Rule(E("R", anon="L")),  # without a key: to the other ways
    "mfa_edit_webauthn": Rule(E(404, anon="L"), kw=lambda s: {"pk": 999999}),
    "mfa_remove_webauthn": Rule(E(404, anon="L"), kw=lambda s: {"pk": 999999}),
    # --- applicant portal ------------------------------------------------------------------------
    "applicant:home": Rule(APPLICANT_PAGE),
    # The family: pages of the signed-in person's own household; a member's case only for the head.
    "applicant:household": Rule(APPLICANT_PAGE),
    "applicant:household_member_add": Rule(POST_ONLY_APPLICANT, post={}, allowed=()),  # empty: 400, nothing added
    "applicant:household_case_start": Rule(POST_ONLY_APPLICANT, kw=lambda s: {"public_id": s.family_member.public_id},
                                           post={"main_case": str(uuid.uuid4())}, allowed=("applicant",)),
    "applicant:household_invite": Rule(POST_ONLY_APPLICANT, kw=lambda s: {"public_id": s.family_member.public_id},
                                       post={"email": "someone@nobody.example"}, allowed=("applicant",)),
    "applicant:household_join": Rule(APPLICANT_PAGE, kw=lambda s: {"token": s.family_invitation_token},
                                     objects=False, post={}, allowed=()),  # nobody has the invited address
    "applicant:household_consent": Rule(POST_ONLY_APPLICANT, post={"allowed": "yes"}, allowed=()),
    "applicant:household_document_share": Rule(POST_ONLY_APPLICANT, post={}, allowed=()),
    "applicant:household_case": Rule(APPLICANT_OWN, kw=lambda s: {"public_id": s.family_case.public_id}),
    "applicant:household_case_appointment": Rule(APPLICANT_OWN, kw=lambda s: {"public_id": s.family_case.public_id},
                                                 post={"slot": "00000000-0000-0000-0000-000000000000"},
                                                 allowed=("applicant",)),
    "applicant:household_case_appointment_cancel": Rule(
        POST_ONLY_APPLICANT, kw=lambda s: {"public_id": s.family_case.public_id},
        post={"booking": "00000000-0000-0000-0000-000000000000"}, allowed=("applicant",)),
    "applicant:household_submit": Rule(POST_ONLY_APPLICANT, kw=case, post={}, allowed=("applicant",)),
    "applicant:profile": Rule(APPLICANT_PAGE),
    "applicant:profile_personal": Rule(APPLICANT_PAGE),
    "applicant:profile_contact": Rule(APPLICANT_PAGE),
    "applicant:profile_languages": Rule(APPLICANT_PAGE),
    "applicant:qualification_add": Rule(APPLICANT_PAGE),
    "applicant:qualification_edit": Rule(APPLICANT_OWN, kw=lambda s: {"pk": s.qualification.pk},
                                         post={"kind": "academic", "title": "Changed", "recognition": "full"},
                                         allowed=("applicant",)),
    "applicant:qualification_remove": Rule(APPLICANT_OWN, kw=lambda s: {"pk": s.qualification.pk}, post={},
                                           allowed=("applicant",)),
    "applicant:experience_add": Rule(APPLICANT_PAGE),
    "applicant:experience_edit": Rule(APPLICANT_OWN, kw=lambda s: {"pk": s.experience.pk},
                                      post={"employer": "Changed", "job_title": "Changed",
                                            "started_on": "2019-01-01"}, allowed=("applicant",)),
    "applicant:experience_remove": Rule(APPLICANT_OWN, kw=lambda s: {"pk": s.experience.pk}, post={},
                                        allowed=("applicant",)),
    "applicant:passport_prefill": Rule(APPLICANT_OWN, kw=lambda s: {"public_id": s.library_document.public_id},
                                       post={}, allowed=("applicant",)),
    "applicant:documents": Rule(APPLICANT_PAGE),
    "applicant:document_replace": Rule(APPLICANT_OWN, kw=lambda s: {"public_id": s.library_document.public_id},
                                       post={}, allowed=("applicant",)),
    "applicant:document_delete": Rule(APPLICANT_OWN, kw=lambda s: {"public_id": s.library_document.public_id},
                                      post={}, allowed=("applicant",)),
    "applicant:apply_start": Rule(APPLICANT_PAGE),
    "applicant:apply_new": Rule(APPLICANT_PAGE),
    "applicant:apply_resume": Rule(E(404, anon="L", applicant="R"), kw=draft),
    "applicant:apply_done": Rule(APPLICANT_OWN, kw=case),
    "applicant:apply_step": Rule(APPLICANT_OWN, kw=lambda s: {**draft(s), "step": "title"},
                                 post={"title_code": "18a", "procedure_language": "de"}, allowed=("applicant",)),
    "applicant:case_detail": Rule(APPLICANT_OWN, kw=case),
    "applicant:case_status": Rule(APPLICANT_OWN, kw=case),
    "applicant:case_receipt": Rule(APPLICANT_OWN, kw=case),
    "applicant:case_messages": Rule(APPLICANT_OWN, kw=case, post={"body": "Injected"}, allowed=("applicant",)),
    "applicant:case_provide_documents": Rule(POST_ONLY_APPLICANT, kw=case, post={"note": "x"},
                                             allowed=("applicant",)),
    "applicant:case_entry": Rule(E(404, anon="L", applicant="R"), kw=case,
                                 post={"entry_date": "2026-01-01", "street": "A", "postal_code": "10115",
                                       "city": "Berlin"}, allowed=("applicant",)),
    "applicant:case_decisions": Rule(APPLICANT_OWN, kw=case),
    "applicant:case_fee_pay": Rule(POST_ONLY_APPLICANT, kw=case, post={}, allowed=("applicant",)),
    "applicant:fee_receipt": Rule(APPLICANT_OWN, kw=lambda s: {**case(s), "fee_id": s.fee.public_id}),
    "applicant:case_withdraw": Rule(APPLICANT_OWN, kw=case, post={"reason": "x"}, allowed=("applicant",)),
    "applicant:case_appointment": Rule(APPLICANT_OWN, kw=case, post={"slot": "00000000-0000-0000-0000-000000000000"},
                                       allowed=("applicant",)),
    "applicant:case_appointment_cancel": Rule(POST_ONLY_APPLICANT, kw=case,
                                              post={"booking": "00000000-0000-0000-0000-000000000000"},
                                              allowed=("applicant",)),
    "applicant:decision_download": Rule(APPLICANT_OWN, kw=lambda s: {"public_id": s.issued_decision.public_id}),
    "applicant:titles": Rule(APPLICANT_PAGE),
    "applicant:share_code_new": Rule(APPLICANT_OWN, kw=lambda s: {"public_id": s.title.public_id},
                                     post={"purpose": "right_to_work", "days": "7"}, allowed=("applicant",)),
    "applicant:title_employer_reminders": Rule(POST_ONLY_APPLICANT, kw=lambda s: {"public_id": s.title.public_id},
                                               post={"allowed": "yes"}, allowed=("applicant",)),
    "applicant:share_code": Rule(APPLICANT_OWN, kw=lambda s: {"public_id": s.share_code.public_id}),
    "applicant:share_code_revoke": Rule(POST_ONLY_APPLICANT, kw=lambda s: {"public_id": s.share_code.public_id},
                                        post={}, allowed=("applicant",)),
    # After arrival: the holder's own titles and certificates only
    "applicant:after_arrival": Rule(APPLICANT_PAGE),
    "applicant:title_extend": Rule(APPLICANT_OWN, kw=lambda s: {"public_id": s.title.public_id},
                                   post={"same_employment": "yes"}, allowed=("applicant",)),
    "applicant:job_change": Rule(APPLICANT_OWN, kw=lambda s: {"public_id": s.title.public_id},
                                 post={"employer_name": "X", "job_title": "Y", "starts_on": "2030-01-01"},
                                 allowed=("applicant",)),
    # The world's title is a Blue Card: the page explains that no change of purpose is open; a POST is refused.
    "applicant:purpose_change": Rule(APPLICANT_OWN, kw=lambda s: {"public_id": s.title.public_id},
                                     post={"target": "18b", "employer_name": "X", "job_title": "Y",
                                           "annual_gross_salary": "50000", "weekly_hours": "40",
                                           "workplace_state": "BE"}, allowed=("applicant",)),
    # Each applicant reports their own new address; nobody else has a profile to change.
    "applicant:address_change": Rule(APPLICANT_PAGE, post={"street": "Neue Str. 1", "postal_code": "20095",
                                                           "city": "Hamburg", "state": "HH",
                                                           "moved_on": "2026-01-01"}, allowed=APPLICANTS),
    "applicant:certificate_download": Rule(APPLICANT_OWN, kw=lambda s: {"public_id": s.certificate.public_id}),
    # Nobody in the world meets § 18c yet: the application is refused to everyone.
    "applicant:settlement": Rule(APPLICANT_PAGE, post={}, allowed=()),
    "applicant:representatives": Rule(APPLICANT_PAGE),
    "applicant:representative_revoke": Rule(POST_ONLY_APPLICANT, kw=lambda s: {"public_id": s.mandate.public_id},
                                            post={}, allowed=("applicant",)),
    "applicant:my_data": Rule(APPLICANT_PAGE),
    "applicant:data_export": Rule(APPLICANT_PAGE),
    "applicant:account_delete": Rule(APPLICANT_PAGE),
    # --- documents (shared by the portals) ------------------------------------------------------
    "documents:download": Rule(E(404, anon="L", applicant=200, staff=200),
                               kw=lambda s: {"public_id": s.document.public_id}),
    "documents:status": Rule(E(404, anon="L", applicant=200, staff=200),
                             kw=lambda s: {"public_id": s.document.public_id}),
    # --- employer portal -------------------------------------------------------------------------
    "employer:home": Rule(EMPLOYER_PAGE),
    "employer:export_csv": Rule(EMPLOYER_PAGE),
    "employer:switch_organisation": Rule(POST_ONLY_EMPLOYER, kw=None,
                                         post={"organisation": "A-ORG"}, allowed=("owner", "member")),
    "employer:register": Rule(E(200, anon="L")),
    "employer:organisation": Rule(EMPLOYER_PAGE),
    "employer:member_invite": Rule(POST_ONLY_EMPLOYER, post={"email": "new@nobody.example", "role": "employer_member"},
                                   allowed=("owner", "other_employer")),
    "employer:member_remove": Rule(POST_ONLY_EMPLOYER, kw=lambda s: {"user_public_id": s.member.public_id},
                                   post={}, allowed=("owner",)),
    "employer:member_invitation_revoke": Rule(POST_ONLY_EMPLOYER,
                                              kw=lambda s: {"public_id": s.member_invitation.public_id},
                                              post={}, allowed=("owner",)),
    "employer:case_new": Rule(EMPLOYER_PAGE),
    "employer:bulk": Rule(EMPLOYER_PAGE),
    "employer:bulk_template": Rule(EMPLOYER_PAGE),
    "employer:case_detail": Rule(EMPLOYER_OWN, kw=case),
    "employer:case_employment": Rule(EMPLOYER_OWN, kw=employer_draft,
                                     post={"job_title": "Changed", "annual_gross_salary": "1", "weekly_hours": "1"},
                                     allowed=("owner", "member")),
    "employer:case_accelerated": Rule(EMPLOYER_OWN, kw=employer_draft, post={"action": "choose", "accelerated": "on"},
                                      allowed=("owner", "member")),
    "employer:case_message": Rule(POST_ONLY_EMPLOYER, kw=case,
                                  post={"body": "Injected"}, allowed=("owner", "member")),
    "employer:case_invite_again": Rule(POST_ONLY_EMPLOYER, kw=employer_draft, post={}, allowed=("owner", "member")),
    "employer:fee_pay": Rule(POST_ONLY_EMPLOYER, kw=case, post={}, allowed=("owner", "member")),
    "employer:fee_receipt": Rule(EMPLOYER_OWN, kw=lambda s: {**case(s), "fee_id": s.employer_fee.public_id}),
    "employer:case_document": Rule(EMPLOYER_OWN, kw=lambda s: {**case(s), "document_id": s.document.public_id}),
    "employer:employment_end": Rule(EMPLOYER_OWN, kw=case, post={"ended_on": "2026-01-01"},
                                    allowed=("owner", "member")),
    "employer:representatives": Rule(OWNER_PAGE),
    "employer:representative_revoke": Rule(POST_ONLY_EMPLOYER, kw=lambda s: {"public_id": s.employer_mandate.public_id},
                                           post={}, allowed=("owner",)),
    # --- representative portal (relocation agencies, law firms, welcome centres; by mandate) -----
    "representative:home": Rule(REP_PAGE),
    "representative:export_csv": Rule(REP_PAGE),
    "representative:register": Rule(E(200, anon="L")),
    "representative:organisation": Rule(REP_PAGE),
    "representative:member_invite": Rule(POST_ONLY_REP, post={"email": "new@nobody.example",
                                                             "role": "representative_member"},
                                         allowed=("rep", "other_rep")),
    "representative:member_remove": Rule(POST_ONLY_REP,
                                         kw=lambda s: {"user_public_id": s.representative_user.public_id},
                                         post={}, allowed=("rep",)),
    "representative:member_invitation_revoke": Rule(POST_ONLY_REP,
                                                    kw=lambda s: {"public_id": s.representative_invitation.public_id},
                                                    post={}, allowed=("rep",)),
    "representative:client_new": Rule(REP_PAGE, post={"surname": "Eve", "email": "eve@nobody.example",
                                                      "procedure_language": "de", "scope": "act"},
                                      allowed=("rep", "other_rep")),
    "representative:client_invitation_send_again": Rule(
        POST_ONLY_REP, kw=lambda s: {"public_id": s.client_invitation.public_id}, post={}, allowed=("rep",)),
    "representative:client_invitation_withdraw": Rule(
        POST_ONLY_REP, kw=lambda s: {"public_id": s.client_invitation.public_id}, post={}, allowed=("rep",)),
    "representative:case_detail": Rule(REP_OWN, kw=case),
    "representative:case_message": Rule(POST_ONLY_REP, kw=case, post={"body": "Injected"}, allowed=("rep",)),
    "representative:case_upload": Rule(POST_ONLY_REP, kw=case, post={"document_type": "other"}, allowed=("rep",)),
    "representative:case_provide": Rule(POST_ONLY_REP, kw=case, post={"note": "x"}, allowed=("rep",)),
    "representative:case_submit": Rule(POST_ONLY_REP, kw=case, post={}, allowed=("rep",)),
    "representative:decision_download": Rule(REP_OWN, kw=lambda s: {**case(s),
                                                                      "decision_id": s.issued_decision.public_id}),
    "employer:tokens": Rule(OWNER_PAGE, post={"name": "Stolen", "scopes": ["cases:read"], "expires_in_days": "30"},
                            allowed=("owner", "other_employer")),
    "employer:token_revoke": Rule(POST_ONLY_EMPLOYER, kw=lambda s: {"public_id": s.api_token.public_id}, post={},
                                  allowed=("owner",)),
    "employer:webhooks": Rule(OWNER_PAGE, post={"url": "https://evil.example.com/hook"},
                              allowed=("owner", "other_employer")),
    "employer:webhook_disable": Rule(POST_ONLY_EMPLOYER, kw=lambda s: {"public_id": s.webhook.public_id}, post={},
                                     allowed=("owner",)),
    # --- invitation links (capabilities: the signed token is the key) -----------------------------
    "invitation:member": Rule(E(403, anon=200), kw=lambda s: {"token": s.member_invitation_token}, objects=False,
                              post={}, allowed=()),
    "invitation:candidate": Rule(E(403, anon=200), kw=lambda s: {"token": s.candidate_invitation_token},
                                 objects=False, post={"scope": "full"}, allowed=()),
    "invitation:client": Rule(E(403, anon=200), kw=lambda s: {"token": s.client_invitation_token},
                              objects=False, post={"confirm": "on"}, allowed=()),
    "invitation:consent": Rule(E(404, anon="L", applicant=200), kw=case, post={"action": "revoke"},
                               allowed=("applicant",)),
    # --- back office -----------------------------------------------------------------------------
    "authorities:board": Rule(STAFF_PAGE),
    # The visa office's appointment calendar: its own caseworkers only (the WSA does not run it).
    "authorities:appointment_slots": Rule(E(403, anon="L", visa=200), allowed=("visa",),
                                          post={"first_day": "2099-01-01", "last_day": "2099-01-02", "weekdays": "0",
                                                "times": "09:00", "minutes": "30", "capacity": "1"}),
    "authorities:appointment_slot_cancel": Rule(E(403, anon="L", visa=200),
                                                kw=lambda s: {"public_id": s.slot.public_id},
                                                post={"reason": "x"}, allowed=("visa",)),
    # The visa office records that the applicant attended the booked appointment (issue 19).
    "authorities:appointment_attendance": Rule(POST_ONLY_STAFF, kw=lambda s: {"public_id": s.booking.public_id},
                                               post={}, allowed=("visa",)),
    # ... or that nobody came (the world's booking has not begun: the office's own staff get the message, 302).
    "authorities:appointment_missed": Rule(POST_ONLY_STAFF, kw=lambda s: {"public_id": s.booking.public_id},
                                           post={}, allowed=("visa",)),
    "backoffice:home": Rule(STAFF_PAGE),
    "backoffice:statistics": Rule(E(403, anon="L", supervisor=200, admin=200)),
    "backoffice:case_detail": Rule(STAFF_PAGE, kw=case),
    "backoffice:case_claim": Rule(POST_ONLY_STAFF, kw=case, post={}, allowed=STAFF),
    "backoffice:case_release": Rule(POST_ONLY_STAFF, kw=case, post={}, allowed=STAFF),
    "backoffice:case_transition": Rule(POST_ONLY_STAFF, kw=lambda s: {**case(s), "name": "start_authority_review"},
                                       post={}, allowed=SEES_ALL),
    # The WSA records a BA approval already on file, only before the requests go out (A's case is past that).
    "backoffice:ba_approval_on_file": Rule(E(403, anon="L", sees_all="R"), kw=case,
                                           post={"ground": "pre_approval", "reference": "X",
                                                 "issued_on": "2026-01-01"}, allowed=SEES_ALL),
    "backoffice:case_request_documents": Rule(POST_ONLY_STAFF, kw=case,
                                              post={"request-reason": "missing", "request-note": "x",
                                                    "request-deadline": "2099-01-01"},
                                              allowed=SEES_ALL),
    # Only the staff of the office charging the fee (A's visa office) may record it paid in person.
    "backoffice:fee_record": Rule(POST_ONLY_STAFF, kw=lambda s: {**case(s), "fee_id": s.fee.public_id},
                                  post={"receipt_number": "R-1"}, allowed=("visa",)),
    "backoffice:fee_receipt": Rule(STAFF_PAGE, kw=lambda s: {**case(s), "fee_id": s.fee.public_id}),
    "backoffice:case_message": Rule(POST_ONLY_STAFF, kw=case, post={"message-body": "x"}, allowed=SEES_ALL),
    "backoffice:case_note": Rule(POST_ONLY_STAFF, kw=case, post={"note-body": "x"}, allowed=STAFF),
    "backoffice:step_answer": Rule(E(403, anon="L", staff=404, ba=200),
                                   kw=lambda s: {**case(s), "step_id": str(s.ba_request.public_id)},
                                   post={"outcome": "approved"}, allowed=("ba",)),
    # The WSA sends a step again after an office asked for information; A's BA step is not waiting for
    # any, so even the WSA gets 404 there: every other POST must be refused.
    "backoffice:step_resend": Rule(POST_ONLY_STAFF, kw=lambda s: {**case(s), "step_id": str(s.ba_request.public_id)},
                                   post={}, allowed=SEES_ALL),
    # The WSA routes again a step that found no office; A's BA step has one: 404 for every staff member too.
    "backoffice:step_reroute": Rule(POST_ONLY_STAFF, kw=lambda s: {**case(s), "step_id": str(s.ba_request.public_id)},
                                    post={}, allowed=SEES_ALL),
    # The world's visa rejection waits for the four-eyes approval: one decision of a kind at a time, so
    # not even the visa office may open a new one here (selectors.case_actions; granting: test_decisions).
    "backoffice:decision_create": Rule(E(403, anon="L"), kw=lambda s: {**case(s), "kind": "visa"},
                                       post={"outcome": "granted", "legal_basis": "§ 18g AufenthG"},
                                       allowed=()),
    # The family's permits together: only a foreigners' authority, only while two or more of the family
    # await their permit after entry (the world's families have not entered: refused for everybody).
    "backoffice:family_permits": Rule(E(403, anon="L"), kw=case,
                                      post={"x-outcome": "granted", "x-legal_basis": "§ 30 AufenthG"}, allowed=()),
    "backoffice:decision_approve": Rule(POST_ONLY_STAFF,
                                        kw=lambda s: {**case(s), "decision_id": s.pending_decision.public_id},
                                        post={}, allowed=()),
    "backoffice:decision_send_back": Rule(POST_ONLY_STAFF,
                                          kw=lambda s: {**case(s), "decision_id": s.pending_decision.public_id},
                                          post={"send_back-note": "x"}, allowed=()),
    "backoffice:decision_pdf": Rule(STAFF_PAGE, kw=lambda s: {**case(s), "decision_id": s.issued_decision.public_id}),
    "backoffice:decision_draft_pdf": Rule(STAFF_PAGE,
                                          kw=lambda s: {**case(s), "decision_id": s.pending_decision.public_id}),
    "backoffice:document_download": Rule(STAFF_PAGE, kw=lambda s: {**case(s), "document_id": s.document.public_id}),
    "backoffice:document_preview": Rule(STAFF_PAGE, kw=lambda s: {**case(s), "document_id": s.document.public_id}),
}

# --- HR API: token actors instead of sessions -------------------------------------------------------
TOKEN_ACTORS = ("none", "own", "foreign", "read_only")


@dataclass
class ApiRule:
    method: str
    codes: dict  # token actor -> status for side A's objects
    kw: Callable | None = None
    body: dict | None = None
    changes: bool = False  # a write: refused attempts must change nothing


def api_case(s):
    return {"case_id": s.case.public_id}


CASE_BODY = {
    "candidate": {"given_names": "Eve", "surname": "Intruder", "email": "eve@nobody.example"},
    "employment": {"job_title": "Dev", "duties": "x", "required_qualification": "academic",
                   "annual_gross_salary": "58000", "weekly_hours": "40", "start_date": "2030-01-01",
                   "occupation_isco": "2512", "workplace_street": "A 1", "workplace_postal_code": "10115",
                   "workplace_city": "Berlin", "workplace_state": "BE"},
}
API_MATRIX: dict[str, ApiRule] = {
    "hr_api:openapi-json": ApiRule("GET", dict.fromkeys(TOKEN_ACTORS, 200)),
    "hr_api:openapi-view": ApiRule("GET", dict.fromkeys(TOKEN_ACTORS, 200)),
    "hr_api:api-root": ApiRule("GET", dict.fromkeys(TOKEN_ACTORS, 404)),
    "hr_api:case_list": ApiRule("GET", {"none": 401, "own": 200, "foreign": 200, "read_only": 200}),
    "hr_api:case_create": ApiRule("POST", {"none": 401, "own": 201, "foreign": 201, "read_only": 403},
                                  body=CASE_BODY, changes=True),
    "hr_api:case_read": ApiRule("GET", {"none": 401, "own": 200, "foreign": 404, "read_only": 200}, kw=api_case),
    "hr_api:case_status": ApiRule("GET", {"none": 401, "own": 200, "foreign": 404, "read_only": 200}, kw=api_case),
    "hr_api:case_events": ApiRule("GET", {"none": 401, "own": 200, "foreign": 404, "read_only": 200}, kw=api_case),
    "hr_api:case_employment_end": ApiRule("POST", {"none": 401, "own": 201, "foreign": 404, "read_only": 403},
                                          kw=api_case, body={"ended_on": date.today().isoformat()}, changes=True),
    "hr_api:webhook_list": ApiRule("GET", {"none": 401, "own": 200, "foreign": 200, "read_only": 403}),
    "hr_api:webhook_create": ApiRule("POST", {"none": 401, "own": 201, "foreign": 201, "read_only": 403},
                                     body={"url": "https://evil.example.com/x"}, changes=True),
    "hr_api:webhook_delete": ApiRule("DELETE", {"none": 401, "own": 204, "foreign": 404, "read_only": 403},
                                     kw=lambda s: {"webhook_id": s.webhook.public_id}, changes=True),
    "hr_api:webhook_deliveries": ApiRule("GET", {"none": 401, "own": 200, "foreign": 404, "read_only": 403},
                                         kw=lambda s: {"webhook_id": s.webhook.public_id}),
}


# --- Enumeration -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str
    route: str
    name: str | None
    converters: tuple = field(default=())


def all_patterns() -> list[Pattern]:
    """Every URL pattern of the project, with namespaces (allauth, admin, the API included)."""
    found = []

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(n for n in (namespace, entry.namespace) if n) or None
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
                route = prefix + str(entry.pattern)
                found.append(Pattern(key=name or route, route=route, name=name,
                                     converters=tuple(getattr(entry.pattern, "converters", {}) or ())))

    walk(get_resolver().url_patterns, "", None)
    return found


def group_of(pattern: Pattern) -> str:
    if pattern.route.startswith("admin/"):
        return "admin"
    if pattern.key.startswith("hr_api:"):
        return "api"
    if pattern.route.startswith("accounts/"):
        return "accounts"
    return pattern.key.split(":")[0] if ":" in pattern.key else "public"


GROUP_NAMES = ["public", "finder", "accounts", "applicant", "documents", "employer", "invitation", "backoffice",
               "authorities", "representative", "api", "admin"]


def test_every_url_pattern_is_in_the_matrix():
    keys = {p.key for p in all_patterns()}
    missing = sorted(p.key for p in all_patterns()
                     if group_of(p) not in ("admin",) and p.key not in MATRIX and p.key not in API_MATRIX)
    assert missing == [], (
        "These URL patterns have no entry in tests/security/test_access_matrix.py. Add one to MATRIX (or "
        f"API_MATRIX) saying what every actor may get for own and foreign objects: {missing}")
    stale = sorted((set(MATRIX) | set(API_MATRIX)) - keys)
    assert stale == [], f"The matrix names URL patterns that no longer exist: {stale}"
    assert {group_of(p) for p in all_patterns()} <= set(GROUP_NAMES), "a new URL group needs a matrix test"


# --- Running requests ----------------------------------------------------------------------------


def url_for(pattern: Pattern, kwargs: dict | None) -> str:
    return reverse(pattern.name, kwargs=kwargs or None)


def answer(response) -> str | int:
    if response.status_code in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        if location.startswith("/accounts/login/"):
            return "L"
        if location.startswith("/admin/login/"):
            return "AL"
        return "R"
    return response.status_code


def matches(expected, got) -> bool:
    if expected == "OK":
        return got == 200 or got == "R"
    return expected == got


def request(client, method: str, url: str, data=None):
    try:
        if method == "GET":
            return answer(client.get(url))
        return answer(client.generic(method, url, json.dumps(data or {}), content_type="application/json")
                      if method == "DELETE" else client.post(url, data or {}))
    except Exception as exc:  # a crash is a finding, not a refusal
        return f"exception {type(exc).__name__}: {exc}"[:200]


SNAPSHOT_SKIP = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog",
                 "axes.accessattemptexpiration"}
SNAPSHOT_SKIP_FIELDS = {"last_login"}


def snapshot() -> str:
    """A fingerprint of every row of every table (sessions and login bookkeeping left out)."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.label_lower in SNAPSHOT_SKIP or model._meta.proxy:
            continue
        names = sorted(f.attname for f in model._meta.concrete_fields if f.attname not in SNAPSHOT_SKIP_FIELDS)
        for row in model._base_manager.order_by("pk").values_list(*names):
            digest.update(repr((model._meta.label, row)).encode())
    return digest.hexdigest()


@pytest.fixture
def world(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    settings.VAR_DIR = tmp_path / "var"
    return build_world()


def _post_data(rule: Rule, world, side: str) -> dict:
    data = dict(rule.post or {})
    if data.get("organisation") == "A-ORG":
        data["organisation"] = str(world.side(side).organisation.public_id)
    return data


def check_group(world, group: str) -> list[str]:
    problems = []
    for pattern in all_patterns():
        if group_of(pattern) != group or pattern.key not in MATRIX:
            continue
        rule = MATRIX[pattern.key]
        url_a = url_for(pattern, rule.kw(world.a) if rule.kw else None)
        url_b = url_for(pattern, rule.kw(world.b) if rule.kw else None)
        got_a = {}
        for actor in ACTORS:
            got_a[actor] = got = request(world.client(actor), "GET", url_a)
            if not matches(rule.get[actor], got):
                problems.append(f"GET {pattern.key} {url_a} as {actor}: expected {rule.get[actor]}, got {got}")
        if rule.kw and rule.objects:
            for actor in FOREIGN_ON_B:
                got = request(world.client(actor), "GET", url_b)
                if got not in REFUSED and not (actor == "anon" and got == "L"):
                    problems.append(f"LEAK? GET {pattern.key} of side B as {actor}: got {got}")
            for actor, mirror in MIRROR.items():
                got = request(world.client(actor), "GET", url_b)
                if got != got_a[mirror]:
                    problems.append(f"GET {pattern.key} of side B as {actor}: got {got}, but {mirror} got "
                                    f"{got_a[mirror]} for side A")
        if rule.post is not None:
            problems += check_refused_posts(world, pattern, rule, url_a, url_b)
    return problems


def check_refused_posts(world, pattern, rule, url_a, url_b) -> list[str]:
    problems = []
    before = snapshot()
    attempts = [(actor, url_a, "A") for actor in ACTORS if actor not in rule.allowed]
    if rule.kw and rule.objects:
        attempts += [(actor, url_b, "B") for actor in FOREIGN_ON_B]
    for actor, url, side in attempts:
        got = request(world.client(actor), "POST", url, _post_data(rule, world, side))
        # A capability URL (invitation link) shows anonymous visitors the same sign-in page on POST.
        refused = got in REFUSED or (actor == "anon" and got == "L") or (not rule.objects and got == rule.get[actor])
        if not refused:
            problems.append(f"POST {pattern.key} {url} as {actor} (not allowed): got {got}")
    if snapshot() != before:
        problems.append(f"POST {pattern.key}: refused POSTs changed the database ({[a for a, _, _ in attempts]})")
    return problems


@pytest.mark.parametrize("group", [g for g in GROUP_NAMES if g not in ("api", "admin")])
def test_access_matrix(world, group):
    problems = check_group(world, group)
    assert problems == [], "\n".join(problems)


# --- HR API --------------------------------------------------------------------------------------


def test_api_matrix(world):
    from django.test import Client

    tokens = {"none": None, "own": world.a.api_token_raw, "foreign": world.b.api_token_raw,
              "read_only": world.a.read_only_token_raw}
    problems = []
    api_patterns = [p for p in all_patterns() if group_of(p) == "api"]
    for pattern in sorted(api_patterns, key=lambda p: API_MATRIX[p.key].changes):  # reads before writes
        rule = API_MATRIX[pattern.key]
        url = url_for(pattern, rule.kw(world.a) if rule.kw else None)
        for actor in ("none", "foreign", "read_only", "own"):  # the allowed write last
            client = Client()
            headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[actor]}"} if tokens[actor] else {}
            expected = rule.codes[actor]
            before = snapshot() if rule.changes and expected >= 400 else None
            if rule.method == "GET":
                response = client.get(url, **headers)
            else:
                response = client.generic(rule.method, url, json.dumps(rule.body or {}),
                                          content_type="application/json", **headers)
            if response.status_code != expected:
                problems.append(f"{rule.method} {pattern.key} {url} with {actor} token: expected {expected}, got "
                                f"{response.status_code} {response.content[:200]!r}")
            if before is not None and snapshot() != before:
                problems.append(f"{rule.method} {pattern.key} with {actor} token was refused but changed data")
        # A browser session is never an API credential (no CSRF protection there).
        for actor in ("owner", "member", "admin"):
            response = world.client(actor).generic(rule.method, url, json.dumps(rule.body or {}),
                                                   content_type="application/json")
            if rule.codes["none"] == 401 and response.status_code != 401:
                problems.append(f"{rule.method} {pattern.key} with the session of {actor}: {response.status_code}")
    assert problems == [], "\n".join(problems)


# --- Admin (group rule) --------------------------------------------------------------------------


def _admin_expectation(pattern: Pattern, admin_user) -> tuple[str | int, str]:
    """What the admin gets for an admin URL: what its ModelAdmin declares (add/delete refused for
    the append-only models), and the object id to put into the URL."""
    name = (pattern.name or "").removeprefix("admin:")
    fixed = {"index": (200, ""), "login": ("R", ""), "logout": (405, ""), "password_change": (200, ""),
             "password_change_done": (200, ""), "autocomplete": (403, ""), "jsi18n": (200, ""),
             "view_on_site": (404, ""), "app_list": (200, ""),
             "auth_user_password_change": (200, str(admin_user.pk))}
    if name in fixed:
        return fixed[name]
    if pattern.name is None:
        return ("R", "") if "object_id" in pattern.route else (404, "")
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    for model, model_admin in django_admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            action = name.removeprefix(prefix)
            obj = model._base_manager.order_by("pk").first()
            if action == "changelist":
                return 200, ""
            if action == "add":
                return (200 if model_admin.has_add_permission(request) else 403), ""
            if obj is None:  # Django sends the admin back to the index ("does not exist")
                if action == "delete" and not model_admin.has_delete_permission(request):
                    return 403, "0"
                return "R", "0"
            if action == "delete":
                return (200 if model_admin.has_delete_permission(request, obj) else 403), str(obj.pk)
            return 200, str(obj.pk)
    raise AssertionError(f"unknown admin URL {pattern.key}")


def admin_url(pattern: Pattern, object_id: str) -> str:
    if pattern.name is None:
        if "object_id" in pattern.route:
            return "/" + pattern.route.replace("<path:object_id>", object_id or "1")
        return "/admin/no-such-page/"
    kwargs = {}
    for name in ("object_id", "id"):
        if name in pattern.converters:
            kwargs[name] = object_id or "1"
    if "content_type_id" in pattern.converters:
        kwargs["content_type_id"] = "1"
    if pattern.name == "admin:app_list":
        kwargs["app_label"] = "applications"
    return reverse(pattern.name, kwargs=kwargs or None)


def test_admin_urls_are_for_admins_only(world):
    """Every admin URL: anonymous visitors and every non-admin (also staff without the admin flag) are
    sent to the admin login, which sends anonymous visitors on to the portal's sign-in; the admin gets
    what the ModelAdmin declares."""
    problems = []
    admin_patterns = [p for p in all_patterns() if group_of(p) == "admin"]
    assert len(admin_patterns) > 50
    for pattern in admin_patterns:
        expected_admin, object_id = _admin_expectation(pattern, world.users["admin"])
        url = admin_url(pattern, object_id)
        for actor in ACTORS:
            got = request(world.client(actor), "GET", url)
            if actor == "admin":
                expected = expected_admin
            elif pattern.name == "admin:login":
                # One sign-in for everyone (the portal's, with its second factor); signed-in non-admins
                # are refused rather than offered a second login form.
                expected = "L" if actor == "anon" else 403
            elif pattern.name == "admin:logout":
                expected = "R"  # to the admin index, which then asks for the admin login
            else:
                expected = "AL"
            if got != expected:
                problems.append(f"GET {pattern.key} {url} as {actor}: expected {expected}, got {got}")
    assert problems == [], "\n".join(problems)
