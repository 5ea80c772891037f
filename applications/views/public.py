from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import user_home_url_name
from accounts.services import user_set_language


@require_GET
def home(request):
    return render(request, "public/home.html")


@require_GET
def portal_home(request):
    if not request.user.is_authenticated:
        return redirect("account_login")
    return redirect(user_home_url_name(user=request.user))


@require_POST
def set_language(request):
    user_set_language(request=request, language=request.POST.get("language", ""))
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    return HttpResponseRedirect(target)


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
