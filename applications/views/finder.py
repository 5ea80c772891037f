"""The public title finder (no login): one question group per page, then the matching titles."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from .. import finder, rules
from ..figures import rule_figures
from ..rules.catalogue import STEP_LABELS


def _answers(request) -> dict:
    return dict(request.session.get(finder.ANSWERS_SESSION_KEY, {}))


@require_http_methods(["GET", "HEAD", "POST"])
def step(request, name):
    if name not in finder.STEP_NAMES:
        raise Http404
    form_class = finder.step_form(name)
    answers = _answers(request)
    if request.method == "POST":
        form = form_class(data=request.POST)
        if form.is_valid():
            answers.update(finder.json_safe(form.cleaned_data))
            request.session[finder.ANSWERS_SESSION_KEY] = answers
            index = finder.STEP_NAMES.index(name)
            if index + 1 < len(finder.STEP_NAMES):
                return redirect("finder:step", name=finder.STEP_NAMES[index + 1])
            return redirect("finder:result")
    else:
        form = form_class(initial={k: v for k, v in answers.items() if k in form_class.base_fields})
    index = finder.STEP_NAMES.index(name)
    return render(request, "public/finder_step.html", {
        "form": form, "step_name": name, "step_number": index + 1, "step_count": len(finder.STEP_NAMES),
        "previous_step": finder.STEP_NAMES[index - 1] if index else None,
        "occupation_options": finder.occupation_options() if name == "job" else (),
    })


@require_safe
def result(request):
    answers = _answers(request)
    missing = finder.first_unanswered_step(answers)
    if missing:
        return redirect("finder:step", name=missing)
    try:
        profile = finder.answers_to_profile(answers)
    except rules.ProfileError:
        return redirect("finder:step", name=finder.STEP_NAMES[0])
    today = timezone.localdate()
    try:
        evaluation = rules.evaluate(profile, today, figures=rule_figures())
    except rules.ThresholdNotFound:
        # Only a day before the first recorded figures (or a table without approved figures of a kind):
        # after the last ones the engine answers with them, marked provisional. We say so rather than guess.
        return render(request, "public/finder_no_thresholds.html", {"on_date": today}, status=503)
    order = {rules.ELIGIBLE: 0, rules.ELIGIBLE_IF: 1, rules.NOT_ELIGIBLE: 2}
    recommended = finder.recommendation(evaluation)
    recommended_code = recommended[0].code if recommended else None
    results = [
        {"title": t, "timeline": [(STEP_LABELS[entry.purpose], entry.legal_due) for entry in t.timeline]}
        for t in sorted(evaluation.titles, key=lambda t: order[t.verdict])
    ]
    return render(request, "public/finder_result.html", {
        "evaluation": evaluation,
        "recommended": next((r for r in results if r["title"].code == recommended_code), None),
        "recommended_why": recommended[1] if recommended else None,
        "fitting": [r for r in results if r["title"].code != recommended_code
                    and r["title"].verdict != rules.NOT_ELIGIBLE],
        "not_fitting": [r for r in results if r["title"].verdict == rules.NOT_ELIGIBLE],
    })


@require_http_methods(["POST"])
def restart(request):
    request.session.pop(finder.ANSWERS_SESSION_KEY, None)
    return redirect("finder:step", name=finder.STEP_NAMES[0])
