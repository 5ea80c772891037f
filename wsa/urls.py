from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from applications.views import public

admin.site.site_header = _("WSA portal administration")
admin.site.site_title = _("WSA portal")

urlpatterns = [
    path("", public.home, name="home"),
    path("portal/", public.portal_home, name="portal_home"),
    path("i18n/setlang/", public.set_language, name="set_language"),
    path("healthz", public.healthz, name="healthz"),
    path("title-finder/", include("applications.urls.finder")),
    path("accounts/", include("allauth.urls")),
    path("applicant/", include("applications.urls.applicant")),
    path("employer/", include("applications.urls.employer")),
    path("backoffice/", include("applications.urls.backoffice")),
    path("admin/", admin.site.urls),
]
