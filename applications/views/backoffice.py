"""The back office (/backoffice/): queues, the case file, actions by role, decisions, statistics.

Every view is for staff only (accounts.decorators.staff_required), reads through selectors that take
the acting user (404 for what the viewer may not see), writes through services, and records every
read of a case, document or decision in the access log (applications.audit).
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import require_reauthentication, staff_required
from authorities.models import Purpose
from authorities.office_time import office_time
from wsa.forms import CitationInput

from .. import offices, services
from ..audit import access_record
from ..forms import DateInput
from ..lifecycle import TRANSITIONS, CaseState, IllegalTransition
from ..mandates.selectors import case_mandates_for_staff
from ..models import CaseAccess, Decision, DocumentRequestReason, TitleKind, permit_title_kind
from ..payments.selectors import case_fees, fees_view
from ..rules.catalogue import UnknownTitle
from ..rules.catalogue import title as catalogue_title
from ..rules.formatting import written_date
from ..selectors.applicant import requirement_rows
from ..selectors.case_actions import action_refused_text, case_actions
from ..selectors.case_file import (
    case_authority_step_get,
    case_authority_steps,
    case_decision_get,
    case_decisions,
    case_document_get,
    case_document_requests,
    case_documents,
    case_get_for_staff,
    case_information_needed_step_get,
    case_messages,
    case_unrouted_step_get,
    case_unrouted_steps,
    decisions_awaiting_approval,
)
from ..selectors.deadlines import deadline_status
from ..selectors.queue import QUEUE_PAGE_SIZE, QueueFilters, queue_filter_options
from ..selectors.queue_page import case_queue_page
from ..selectors.staff import staff_scope
from ..selectors.statistics import case_statistics, statistics_scope
from ..selectors.visibility import case_timeline
from ..selectors.workspace import (
    case_checklist,
    decision_groups,
    viewer_deadline,
    workspace_documents,
    workspace_steps,
)
from ..templatetags.countries import country_name
from ..titles.issuance import approval_restrictions_text, permit_term_end, visa_legal_basis, visa_term_end

# --- Forms ---------------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    title = forms.ChoiceField(label=gettext_lazy("Residence title"), required=False)
    country = forms.ChoiceField(label=gettext_lazy("Nationality"), required=False)
    office = forms.TypedChoiceField(label=gettext_lazy("Office"), required=False, coerce=int, empty_value=None)
    assignee = forms.ChoiceField(label=gettext_lazy("Assigned to"), required=False)
    due = forms.ChoiceField(label=gettext_lazy("Deadline"), required=False, choices=[
        ("", gettext_lazy("Any")), ("overdue", gettext_lazy("Overdue")), ("soon", gettext_lazy("Due soon")),
    ])
    q = forms.CharField(label=gettext_lazy("Search"), required=False, min_length=3, max_length=100,
                        help_text=gettext_lazy("Reference, name or passport number"))
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False, choices=[
        ("deadline", gettext_lazy("Deadline (earliest first)")),
        ("submitted", gettext_lazy("Submitted (oldest first)")),
        ("-submitted", gettext_lazy("Submitted (newest first)")),
    ])

    def __init__(self, *args, options: dict, sees_all: bool, **kwargs):
        super().__init__(*args, **kwargs)
        default = _("My queue: completeness check") if sees_all else _("My queue: open requests to my office")
        self.fields["state"].choices = [("", default), ("all", _("All cases"))] + list(CaseState.choices)
        self.fields["title"].choices = [("", _("Any"))] + [(code, _title_choice(code)) for code in options["titles"]]
        self.fields["country"].choices = [("", _("Any"))] + [(c, country_name(c)) for c in options["countries"]]
        self.fields["office"].choices = [("", _("Any"))] + options["offices"]
        self.fields["assignee"].choices = [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))] + [
            (str(public_id), name or email) for public_id, name, email in options["colleagues"]]


def _title_choice(code: str) -> str:
    try:
        entry = catalogue_title(code)
    except UnknownTitle:
        return code
    return f"{entry.name} ({entry.section})"


# Every form of the case file has its own prefix, so that no two fields on the page share an id and
# each label points at its own field (a note must never be typed into the message to the applicant).
class DocumentRequestForm(forms.Form):
    prefix = "request"
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=DocumentRequestReason.choices)
    note = forms.CharField(label=gettext_lazy("Note to the applicant"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000, required=False,
                           help_text=gettext_lazy("Say exactly which document is needed and why."))
    deadline = forms.DateField(label=gettext_lazy("Deadline"), widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("reason") == DocumentRequestReason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", _("Please explain the reason in the note."))
        return data

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline <= timezone.localdate():
            raise forms.ValidationError(_("The deadline must be in the future."))
        return deadline


class MessageForm(forms.Form):
    prefix = "message"
    body = forms.CharField(label=gettext_lazy("Message to the applicant"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    prefix = "note"
    body = forms.CharField(label=gettext_lazy("Internal note (staff only)"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=gettext_lazy("Never shown to the applicant or the employer."))


class AuthorityAnswerForm(forms.Form):
    """An office's answer to its step. What it may answer depends on the step (`purpose`): the recognition
    body says whether the qualification is equivalent, and limits an approval to nothing; the visa and the
    residence permit are decided by a decision (with its legal basis and the four-eyes rule for a
    refusal), so their step only asks for information."""

    outcome = forms.ChoiceField(label=gettext_lazy("Answer"), widget=forms.RadioSelect, choices=[
        (services.AuthorityAnswer.APPROVED, gettext_lazy("Approve")),
        (services.AuthorityAnswer.REJECTED, gettext_lazy("Reject")),
        (services.AuthorityAnswer.INFORMATION_NEEDED, gettext_lazy("Information needed")),
    ])
    limit_employer = forms.BooleanField(label=gettext_lazy("Approval limited to this employer"), required=False)
    limit_occupation = forms.BooleanField(label=gettext_lazy("Approval limited to this occupation"), required=False)
    limit_months = forms.IntegerField(label=gettext_lazy("Approval limited to a duration (months)"), required=False,
                                      min_value=1, max_value=60)
    conditions = forms.CharField(label=gettext_lazy("Further conditions"), required=False, max_length=2000,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=gettext_lazy("Reasons or questions"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, purpose: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if purpose in services.STEPS_DECIDED_BY_DECISION:
            self.fields["outcome"].choices = [
                (services.AuthorityAnswer.INFORMATION_NEEDED, _("Information needed"))]
            self.fields["outcome"].initial = services.AuthorityAnswer.INFORMATION_NEEDED
            self.fields["note"].label = _("Which information is needed")
            self.fields["note"].required = True
            del self.fields["conditions"]
        else:
            self.fields["note"].required_for = _("required to reject or to ask")
        if purpose == Purpose.RECOGNITION:
            self.fields["outcome"].choices = [
                (services.AuthorityAnswer.APPROVED, _("Equivalent: the qualification is recognised")),
                (services.AuthorityAnswer.REJECTED, _("Not equivalent")),
                (services.AuthorityAnswer.INFORMATION_NEEDED, _("Information needed"))]
        if purpose != Purpose.BA_APPROVAL:
            for name in ("limit_employer", "limit_occupation", "limit_months"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if data.get("outcome") in {services.AuthorityAnswer.REJECTED, services.AuthorityAnswer.INFORMATION_NEEDED} \
                and not (data.get("note") or "").strip():
            self.add_error("note", _("Please give the reasons or say which information is needed."))
        return data

    def condition_data(self, case) -> dict:
        """What the approval is limited to (only for an approval)."""
        data = self.cleaned_data
        if data.get("outcome") != services.AuthorityAnswer.APPROVED:
            return {}
        employment = getattr(case, "employment", None)
        conditions = {}
        if data.get("limit_employer"):
            conditions["employer"] = case.employer.name if case.employer_id else _("the employer of the case")
        if data.get("limit_occupation"):
            conditions["occupation"] = (f"{employment.job_title} (ISCO {employment.occupation_isco})".replace(
                " (ISCO )", "") if employment else _("the declared occupation"))
        if data.get("limit_months"):
            conditions["duration_months"] = data["limit_months"]
        if (data.get("conditions") or "").strip():
            conditions["other"] = data["conditions"].strip()
        return conditions


LEGAL_BASIS = {
    # title code → the legal basis written on the decision by default (editable)
    "18a": "§ 18a AufenthG", "18b": "§ 18b Abs. 1 AufenthG", "18g": "§ 18g Abs. 1 AufenthG",
    "19c": "§ 19c Abs. 2 AufenthG i. V. m. § 6 BeschV", "20a": "§ 20a AufenthG", "16d1": "§ 16d Abs. 1 AufenthG",
    "16d3": "§ 16d Abs. 3 AufenthG",
}


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), widget=forms.RadioSelect,
                                choices=Decision.Outcome.choices,
                                help_text=gettext_lazy("A rejection needs a supervisor's approval before it is "
                                                       "issued (four-eyes rule)."))
    legal_basis = forms.CharField(label=gettext_lazy("Legal basis"), max_length=200,
                                  widget=CitationInput(), help_text=gettext_lazy(
                                      "Filled in: the section of the title applied for. For a refusal, add the "
                                      "provision whose condition is not met (for example § 5 Abs. 1 Nr. 1 "
                                      "AufenthG)."))
    reasons = forms.CharField(label=gettext_lazy("Reasons"), required=False, max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 5}))
    conditions = forms.CharField(label=gettext_lazy("Conditions"), required=False, max_length=4000,
                                 widget=forms.Textarea(attrs={"rows": 5}))
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), required=False,
                                 widget=DateInput())
    valid_until = forms.DateField(label=gettext_lazy("Valid until"), required=False, widget=DateInput(),
                                  help_text=gettext_lazy(
                                      "Filled in: the term the title gets when no date is given here (for a visa "
                                      "the mission's term; for an employment title § 18 Abs. 4 AufenthG: the "
                                      "shorter of four years and the contract's or the approval's term plus six "
                                      "months)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].required_for = _("required for a refusal")

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Decision.Outcome.REJECTED and not (data.get("reasons") or "").strip():
            self.add_error("reasons", _("A rejection must give its reasons."))
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
            self.add_error("valid_until", _("The end of validity must not be before its start."))
        return data


class SendBackForm(forms.Form):
    prefix = "send_back"
    # The decider must learn what to change: a draft sent back without a word is a dead end for them.
    note = forms.CharField(label=gettext_lazy("Why it goes back (internal)"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


# --- Helpers -------------------------------------------------------------------------------------

DECISION_KINDS = {"visa": Decision.Kind.VISA, "permit": Decision.Kind.RESIDENCE_PERMIT}
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}
PREVIEW_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'"


def _bo_labels():
    return {
        "claimed": _("Case claimed"), "released": _("Case released"),
        "awaiting_approval": _("Rejection drafted; waiting for a supervisor's approval"),
        "sent_back": _("Draft decision sent back by the supervisor"),
    }


def _timeline(events) -> list[tuple]:
    labels = _bo_labels()
    reasons = dict(DocumentRequestReason.choices)
    rows = []
    for event in events:
        payload = event.payload or {}
        text = labels.get(payload.get("bo"), "") or event.text
        detail = ""
        if payload.get("transition") == "request_documents":
            deadline = written_date(payload.get("deadline", ""))
            detail = " · ".join(x for x in [str(reasons.get(payload.get("reason"), "")), payload.get("note", ""),
                                            _("deadline %(date)s") % {"date": deadline} if deadline else ""] if x)
        rows.append((event, text, detail))
    return rows


def _render_case(request, case, *, status=200, **forms_):
    user = request.user
    scope = staff_scope(viewer=user)
    access_record(actor=user, case=case, object_kind=CaseAccess.ObjectKind.CASE)
    decisions = list(case_decisions(viewer=user, case=case))
    steps = workspace_steps(case_authority_steps(viewer=user, case=case))
    actions = case_actions(viewer=user, case=case, steps=steps, decisions=decisions)
    for decision in decisions:
        decision.wsa_can_approve = decision.pk in actions.approve_decisions
    documents = workspace_documents(case_documents(viewer=user, case=case))
    required = [row for row in requirement_rows(case=case, documents=documents) if row["code"]]
    thread = list(case_messages(viewer=user, case=case))
    deadline, deadline_badge = viewer_deadline(scope=scope, case=case, steps=steps, actions=actions)
    context = {
        "case": case, "person": case.person, "employment": getattr(case, "employment", None),
        "assignment": getattr(case, "assignment", None), "scope": scope,
        "deadline": deadline, "deadline_status": deadline_badge,
        "checklist": case_checklist(case=case, documents=documents),
        "documents": documents,
        # What the completeness check compares: the title's documents before the visa, present or missing.
        "required_documents": required,
        "missing_documents": [row["label"] for row in required if row["mandatory"] and not row["satisfied"]],
        "steps": steps,
        "appointments": offices.case_appointments(viewer=user, case=case),
        "timeline": _timeline(case_timeline(viewer=user, case=case)),
        "messages_": [m for m in thread if not m.internal],
        "notes": [m for m in thread if m.internal], "thread_count": len(thread),
        "decisions": decision_groups(case=case, decisions=decisions),
        "document_requests": case_document_requests(viewer=user, case=case),
        "actions": actions,
        "inline_types": INLINE_TYPES,
        "document_request_form": forms_.get("document_request_form") or DocumentRequestForm(
            initial={"deadline": timezone.localdate() + timedelta(days=28)}),
        "message_form": forms_.get("message_form") or MessageForm(),
        "note_form": forms_.get("note_form") or NoteForm(),
        "send_back_form": forms_.get("send_back_form") or SendBackForm(),
        "mandates": case_mandates_for_staff(case=case),
        "fees": fees_view(fees=case_fees(case=case), recorder=user),
        "decide_permit_label": _decide_permit_label(case),
    }
    return render(request, "backoffice/case_detail.html", context, status=status)


def _refuse(request, case, *, reason: str = "", status: int = 403):
    """An action the workspace does not offer to this viewer now (403), or not in the case's state (`reason`,
    409): the reason and the way back to the case. It writes nothing (no access record: it shows no personal
    data, no message in the session)."""
    return render(request, "backoffice/refused.html", {"case": case, "reason": reason or action_refused_text()},
                  status=status)


def _actions(request, case):
    return case_actions(viewer=request.user, case=case)


def _case(request, public_id):
    return case_get_for_staff(viewer=request.user, public_id=public_id)


# --- Queue ---------------------------------------------------------------------------------------


@staff_required
@require_safe
def home(request):
    user = request.user
    scope = staff_scope(viewer=user)
    options = queue_filter_options(viewer=user)
    form = QueueFilterForm(request.GET or None, options=options, sees_all=scope.sees_all)
    filters = QueueFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = QueueFilters(
            state=data["state"], title=data["title"], country=data["country"], office=data["office"],
            assignee=data["assignee"], due=data["due"], q=data["q"], sort=data["sort"] or "deadline",
            cursor=request.GET.get("cursor", "")[:200],
        )
    page = case_queue_page(viewer=user, filters=filters, limit=QUEUE_PAGE_SIZE)
    rows = [(case, deadline_status(deadline=case.deadline_at, now=page.now)) for case in page.cases]
    query = request.GET.copy()
    query.pop("cursor", None)
    if page.next_cursor:
        query["cursor"] = page.next_cursor
    without_cursor = _without_cursor(request.GET)
    return render(request, "backoffice/home.html", {
        "search_elsewhere": _search_elsewhere(request, form, filters),
        "form": form, "rows": rows, "scope": scope, "next_query": query.urlencode() if page.next_cursor else "",
        # The filter's fields are drawn from these alone (with the language): their HTML is cached by them.
        "filter_fields_key": (scope.sees_all, options, without_cursor),
        "first_query": without_cursor if request.GET.get("cursor") else "",
        "awaiting_approval": decisions_awaiting_approval(viewer=user) if scope.is_supervisor else [],
        # The landing (no filter chosen) starts with what the viewer's own office has to do.
        "office_tasks": [] if form.is_bound else [
            (task, _task_label(task)) for task in
            offices.wsa_information_needed_tasks(viewer=user, scope=scope)
            + offices.office_open_tasks(viewer=user, scope=scope)
        ],
    })


def _search_elsewhere(request, form, filters: QueueFilters) -> dict | None:
    """A search runs within the chosen status, by default the viewer's work list: the page says where it
    looked and links the same search over every case the viewer may see, so that a name that is not in
    the work list is not taken for a name that is nowhere."""
    if not filters.q.strip() or filters.state == "all":
        return None
    query = request.GET.copy()
    query.pop("cursor", None)
    query["state"] = "all"
    return {"where": dict(form.fields["state"].choices).get(filters.state, ""), "query": query.urlencode()}


def _task_label(task) -> str:
    if task.kind == offices.TASK_RECORD_ATTENDANCE:
        return _("Record whether %(name)s attended the appointment of %(time)s") % {
            "name": task.case.person.full_name, "time": office_time(task.due_at, task.office)}
    if task.kind == offices.TASK_INFORMATION_NEEDED:
        return _("Information needed by %(office)s: %(reason)s") % {
            "office": task.office_name, "reason": task.reason}
    if task.kind == offices.TASK_DECIDE_PERMIT or (
            # An extension's permit step: the office answers it with its decision, not with an approval.
            task.kind == offices.TASK_ANSWER_STEP and task.step in services.STEPS_DECIDED_BY_DECISION):
        return _decide_permit_label(task.case)
    if task.kind == offices.TASK_ANSWER_STEP and task.step in Purpose.values:
        # Which request: an office answering several kinds (the foreigners' authority) tells them apart.
        return _("Answer: %(step)s") % {"step": Purpose(task.step).label}
    return OFFICE_TASK_LABELS[task.kind]


def _decide_permit_label(case) -> str:
    if permit_title_kind(case.title_code) == TitleKind.EU_BLUE_CARD:
        return _("Decide on the EU Blue Card")
    return _("Decide on the residence permit")


OFFICE_TASK_LABELS = {
    offices.TASK_ANSWER_STEP: gettext_lazy("Answer the request"),
    offices.TASK_DECIDE_VISA: gettext_lazy("Decide on the visa"),
    offices.TASK_DECIDE_FAMILY_PERMITS: gettext_lazy("Decide on the family's residence permits together"),
}


def _without_cursor(querydict) -> str:
    query = querydict.copy()
    query.pop("cursor", None)
    return query.urlencode() or "page=1"


# --- Case file -----------------------------------------------------------------------------------


@staff_required
@require_safe
def case_detail(request, public_id):
    return _render_case(request, _case(request, public_id))


@staff_required
@require_POST
def case_claim(request, public_id):
    case = _case(request, public_id)
    try:
        services.case_claim(case=case, actor=request.user)
        messages.success(request, _("You are now working on this case."))
    except services.BackofficeError as exc:
        messages.error(request, str(exc))
    return redirect("backoffice:case_detail", public_id=case.public_id)


@staff_required
@require_POST
def case_release(request, public_id):
    case = _case(request, public_id)
    try:
        services.case_release(case=case, actor=request.user)
        messages.success(request, _("The case has been released."))
    except services.BackofficeError as exc:
        messages.error(request, str(exc))
    return redirect("backoffice:case_detail", public_id=case.public_id)


@staff_required
@require_POST
def case_transition(request, public_id, name):
    case = _case(request, public_id)
    if not _actions(request, case).allows_transition(name):
        return _refuse(request, case)
    try:
        services.case_transition(case=case, transition=name, actor=request.user)
    except IllegalTransition as exc:
        messages.error(request, str(exc))
    else:
        unrouted = case_unrouted_steps(case=case) if name == "start_authority_review" else []
        if unrouted:
            messages.warning(request, _(
                "The case went to the authorities, but no responsible office was found for: %(steps)s. Those "
                "steps were not sent. Once the office is set up, send them again from the authority steps.") % {
                "steps": ", ".join(str(step.get_purpose_display()) for step in unrouted)})
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": TRANSITIONS[name].label})
    return redirect("backoffice:case_detail", public_id=case.public_id)


@staff_required
@require_POST
def case_request_documents(request, public_id):
    case = _case(request, public_id)
    if not _actions(request, case).request_documents:
        return _refuse(request, case)
    form = DocumentRequestForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, status=400, document_request_form=form)
    try:
        services.document_request_create(case=case, actor=request.user, reason=form.cleaned_data["reason"],
                                         note=form.cleaned_data["note"], due_on=form.cleaned_data["deadline"])
    except (services.BackofficeError, IllegalTransition) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The applicant has been asked for documents and will be notified."))
    return redirect("backoffice:case_detail", public_id=case.public_id)


@staff_required
@require_POST
def authority_step_resend(request, public_id, step_id):
    """The WSA sends a step again to the office that asked for information (the applicant's answer or
    the file now has it); the office's legal deadline runs from the new receipt."""
    case = _case(request, public_id)
    step = case_information_needed_step_get(viewer=request.user, case=case, public_id=step_id)
    if services.authority_step_resend(request=step, actor=request.user):
        messages.success(request, _("The request was sent again to %(office)s.") % {"office": step.authority.name})
    else:
        messages.error(request, _("This step is not waiting for information, or the case has ended."))
    if request.POST.get("next") == "home":
        return redirect("backoffice:home")
    return redirect("backoffice:case_detail", public_id=case.public_id)


@staff_required
@require_POST
def authority_step_reroute(request, public_id, step_id):
    """The WSA looks again for the office responsible for a step that found none, and sends it."""
    case = _case(request, public_id)
    step = case_unrouted_step_get(viewer=request.user, case=case, public_id=step_id)
    if services.authority_step_reroute(request=step):
        messages.success(request, _("The step was sent to %(office)s.") % {"office": step.authority.name})
    else:
        messages.warning(request, _("Still no office is responsible for this step here. The administrator must "
                                    "first set up the office for the applicant's place."))
    return redirect(reverse("backoffice:case_detail", kwargs={"public_id": case.public_id}) + "#authorities")


@staff_required
@require_POST
def case_message(request, public_id):
    case = _case(request, public_id)
    if not _actions(request, case).message:
        return _refuse(request, case)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, status=400, message_form=form)
    services.message_post(case=case, author=request.user, body=form.cleaned_data["body"], internal=False)
    messages.success(request, _("Your message has been sent to the applicant."))
    return redirect("backoffice:case_detail", public_id=case.public_id)


@staff_required
@require_POST
def case_note(request, public_id):
    case = _case(request, public_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, status=400, note_form=form)
    services.message_post(case=case, author=request.user, body=form.cleaned_data["body"], internal=True)
    messages.success(request, _("The internal note has been saved."))
    return redirect("backoffice:case_detail", public_id=case.public_id)


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def authority_step_answer(request, public_id, step_id):
    case = _case(request, public_id)
    step = case_authority_step_get(viewer=request.user, case=case, public_id=step_id)
    if services.authority_step_approved_by_silence(request=step):
        messages.info(request, _("The legal deadline ended on %(date)s without an answer, so the approval is "
                                 "given by law (%(basis)s); an answer is no longer needed.") % {
            "date": written_date(timezone.localtime(step.due_at).date()),
            "basis": step.deadline_source or "§ 36 Abs. 2 BeschV"})
        return redirect("backoffice:case_detail", public_id=case.public_id)
    steps = case_authority_steps(viewer=request.user, case=case)
    actions = case_actions(viewer=request.user, case=case, steps=steps,
                           decisions=case_decisions(viewer=request.user, case=case))
    open_steps = [s for s in steps if s.pk == step.pk and s.pk in actions.answer_steps]
    if not open_steps:
        messages.error(request, _("This authority step has already been answered."))
        return redirect("backoffice:case_detail", public_id=case.public_id)
    form = AuthorityAnswerForm(request.POST or None, purpose=step.purpose)
    if request.method == "POST" and form.is_valid():
        try:
            services.authority_step_answer(request=step, actor=request.user, outcome=form.cleaned_data["outcome"],
                                           conditions=form.condition_data(case), note=form.cleaned_data["note"])
        except (services.BackofficeError, IllegalTransition) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your office's answer has been recorded."))
            return redirect("backoffice:case_detail", public_id=case.public_id)
    return render(request, "backoffice/step_answer.html", {"case": case, "step": open_steps[0], "form": form},
                  status=400 if form.is_bound and form.errors else 200)


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def decision_create(request, public_id, kind):
    case = _case(request, public_id)
    decision_kind = DECISION_KINDS.get(kind)
    if decision_kind is None:
        raise Http404
    actions = case_actions(viewer=request.user, case=case, decisions=case_decisions(viewer=request.user, case=case))
    if not (actions.decide_visa if decision_kind == Decision.Kind.VISA else actions.decide_permit):
        return _refuse(request, case)
    # No outcome is chosen in advance: a binding decision is the caseworker's own choice.
    purpose_basis = LEGAL_BASIS.get(case.title_code, "")
    restrictions = approval_restrictions_text(case)
    # Proposed as the title would be issued without them: from the contract's start (else today), for the term
    # the law and the offices' answers give (the mission's term, § 18 Abs. 4 AufenthG).
    valid_from = getattr(getattr(case, "employment", None), "start_date", None) or timezone.localdate()
    term_end = visa_term_end if decision_kind == Decision.Kind.VISA else permit_term_end
    form = DecisionForm(request.POST or None, initial={
        "legal_basis": visa_legal_basis(purpose_basis) if decision_kind == Decision.Kind.VISA else purpose_basis,
        "valid_from": valid_from, "valid_until": term_end(case, valid_from),
        "conditions": restrictions,
    })
    if restrictions:
        form.fields["conditions"].help_text = _(
            "Filled in: the restrictions of the Federal Employment Agency's approval, which the residence title "
            "must carry (§ 4a Abs. 3 AufenthG). In German, as the decision is written.")
    if request.method == "POST":
        require_reauthentication(request)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_create(case=case, actor=request.user, kind=decision_kind, **form.cleaned_data)
        except (services.BackofficeError, IllegalTransition) as exc:
            form.add_error(None, str(exc))
        else:
            if decision.status == Decision.Status.ISSUED:
                messages.success(request, _("The decision has been issued."))
            else:
                messages.success(request, _("The rejection waits for a supervisor's approval (four-eyes rule)."))
            return redirect("backoffice:case_detail", public_id=case.public_id)
    return render(request, "backoffice/decision_form.html", {
        "case": case, "form": form, "kind": decision_kind,
        "kind_label": Decision(kind=decision_kind, case=case).kind_label,
    }, status=400 if form.is_bound and form.errors else 200)


@staff_required
@require_POST
def decision_approve(request, public_id, decision_id):
    case = _case(request, public_id)
    decision = case_decision_get(viewer=request.user, case=case, public_id=decision_id)
    if not services.decision_may_approve(actor=request.user, decision=decision):
        return _refuse(request, case)
    require_reauthentication(request)
    try:
        services.decision_approve(decision=decision, actor=request.user)
    except services.BackofficeError as exc:
        messages.error(request, str(exc))
    except IllegalTransition as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Approved: the decision has been issued."))
    return redirect("backoffice:case_detail", public_id=case.public_id)


@staff_required
@require_POST
def decision_send_back(request, public_id, decision_id):
    case = _case(request, public_id)
    decision = case_decision_get(viewer=request.user, case=case, public_id=decision_id)
    if not services.decision_may_approve(actor=request.user, decision=decision):
        return _refuse(request, case)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, status=400, send_back_form=form)
    try:
        services.decision_send_back(decision=decision, actor=request.user, note=form.cleaned_data["note"])
    except services.BackofficeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The draft decision has been sent back."))
    return redirect("backoffice:case_detail", public_id=case.public_id)


@staff_required
@require_safe
def decision_pdf(request, public_id, decision_id):
    case = _case(request, public_id)
    decision = case_decision_get(viewer=request.user, case=case, public_id=decision_id)
    if not decision.pdf:
        raise Http404
    access_record(actor=request.user, case=case, object_kind=CaseAccess.ObjectKind.DECISION, obj=decision,
                  action=CaseAccess.Action.DOWNLOAD)
    response = FileResponse(decision.pdf.open("rb"), as_attachment=True, content_type="application/pdf",
                            filename=f"Bescheid-{case.reference}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_safe
def decision_draft_pdf(request, public_id, decision_id):
    """The letter of a decision before it is issued, for the four-eyes review (marked as a draft; not sealed)."""
    case = _case(request, public_id)
    decision = case_decision_get(viewer=request.user, case=case, public_id=decision_id)
    try:
        pdf = services.decision_draft_pdf(decision=decision)
    except services.BackofficeError as exc:
        return _refuse(request, case, reason=str(exc), status=409)
    access_record(actor=request.user, case=case, object_kind=CaseAccess.ObjectKind.DECISION, obj=decision,
                  action=CaseAccess.Action.PREVIEW)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="Entwurf-Bescheid-{case.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _document_response(request, public_id, document_id, *, inline: bool):
    case = _case(request, public_id)
    document = case_document_get(viewer=request.user, case=case, public_id=document_id)
    if inline and (document.content_type not in INLINE_TYPES or document.state == "rejected"):
        raise Http404  # a file the checks rejected (active content, a bomb, ...) is only ever downloaded
    access_record(actor=request.user, case=case, object_kind=CaseAccess.ObjectKind.DOCUMENT, obj=document,
                  action=CaseAccess.Action.PREVIEW if inline else CaseAccess.Action.DOWNLOAD)
    filename = get_valid_filename(document.original_name) or f"document-{document.public_id.hex[:8]}"
    response = FileResponse(
        document.file.open("rb"), as_attachment=not inline, filename=filename,
        content_type=document.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if inline:
        response["Content-Security-Policy"] = PREVIEW_CSP
    return response


@staff_required
@require_safe
def document_download(request, public_id, document_id):
    return _document_response(request, public_id, document_id, inline=False)


@staff_required
@require_safe
def document_preview(request, public_id, document_id):
    return _document_response(request, public_id, document_id, inline=True)


# --- Statistics ----------------------------------------------------------------------------------


@staff_required
@require_safe
def statistics(request):
    if not staff_scope(viewer=request.user).is_supervisor:
        raise PermissionDenied
    stats = case_statistics(viewer=request.user)
    if stats is None:  # the first view of this scope: compute its snapshot once, the beat task keeps it fresh
        services.statistics_refresh(scopes=[statistics_scope(viewer=request.user)])
        stats = case_statistics(viewer=request.user)
    return render(request, "backoffice/statistics.html", {"stats": stats})
