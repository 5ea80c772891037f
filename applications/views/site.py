"""The pages a federal website must have: imprint (§ 5 DDG), privacy notice (Art. 13 GDPR),
accessibility statement with its feedback form (§ 12b BGG), contact, and the start-page explanations
in Easy Language and German Sign Language (§ 4 BITV 2.0)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from applications.site_info import FeedbackNotSent, FeedbackRefused, accessibility_feedback_send, operator


def _page(request, template: str, **context):
    return render(request, f"public/site/{template}", {"operator": operator(), **context})


@require_safe
def imprint(request):
    return _page(request, "imprint.html")


@require_safe
def privacy(request):
    return _page(request, "privacy.html")


@require_safe
def contact(request):
    return _page(request, "contact.html")


@require_safe
def easy_language(request):
    return _page(request, "easy_language.html")


@require_safe
def sign_language(request):
    return _page(request, "sign_language.html")


class BarrierReportForm(forms.Form):
    page = forms.CharField(
        label=gettext_lazy("Where did you meet the barrier? (page or address)"),
        required=False, max_length=500)
    description = forms.CharField(
        label=gettext_lazy("What did not work for you?"), max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": gettext_lazy("Please describe the barrier.")})
    reply_to = forms.EmailField(
        label=gettext_lazy("Your e-mail address, if you would like an answer"), required=False)


@require_http_methods(["GET", "HEAD", "POST"])
def accessibility(request):
    form = BarrierReportForm(request.POST or None, prefix="barrier")
    if request.method == "POST" and form.is_valid():
        try:
            accessibility_feedback_send(request=request, **form.cleaned_data)
        except FeedbackRefused:
            form.add_error(None, gettext(
                "You have sent several reports within the last hour. Please try again later or write to us "
                "by e-mail."))
        except FeedbackNotSent:
            form.add_error(None, gettext(
                "Your report could not be sent just now. Please write to us by e-mail; nothing has been sent."))
        else:
            messages.success(request, gettext("Thank you. Your report has been sent to the accessibility team."))
            return redirect("accessibility")
    return _page(request, "accessibility.html", form=form)
