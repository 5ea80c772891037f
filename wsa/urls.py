from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from applications.employer.api import api as hr_api
from applications.payments import views as payment_views
from applications.views import after_arrival, public, site
from applications.views import titles as title_views
from authorities import views as authority_views
from wsa.observability import views as observability_views

admin.site.site_header = _("WSA portal administration")
admin.site.site_title = _("WSA portal")
# One sign-in for everyone: the admin's login page sends to the portal's, which asks for the second factor.
admin.site.login = secure_admin_login(admin.site.login)

handler400 = "wsa.errors.bad_request"
handler403 = "wsa.errors.permission_denied"
handler404 = "wsa.errors.page_not_found"
handler500 = "wsa.errors.server_error"

urlpatterns = [
    path("", public.home, name="home"),
    path("portal/", public.portal_home, name="portal_home"),
    path("i18n/setlang/", public.set_language, name="set_language"),
    path("healthz", public.healthz, name="healthz"),
    path("readyz", observability_views.readyz, name="readyz"),
    path("metrics", observability_views.metrics, name="metrics"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's, a PDF's).
    path("favicon.ico", public.favicon, name="favicon"),
    path("imprint/", site.imprint, name="imprint"),
    path("privacy/", site.privacy, name="privacy"),
    path("accessibility/", site.accessibility, name="accessibility"),
    path("contact/", site.contact, name="contact"),
    path("easy-language/", site.easy_language, name="easy_language"),
    path("sign-language/", site.sign_language, name="sign_language"),
    path("verify/<str:code>/", public.decision_verify, name="decision_verify"),
    path("check/", title_views.share_code_check, name="share_code_check"),
    path("verify/certificate/<str:code>/", after_arrival.certificate_verify, name="certificate_verify"),
    path("title-finder/", include("applications.urls.finder")),
    path("accounts/", include("allauth.urls")),
    path("applicant/", include("applications.urls.applicant")),
    path("documents/", include("documents.urls")),
    path("employer/", include("applications.urls.employer")),
    path("invitation/", include("applications.urls.invitations")),
    path("representative/", include("applications.urls.representative")),
    path("api/", hr_api.urls),
    path("backoffice/authorities/", include("applications.urls.authorities")),
    path("backoffice/", include("applications.urls.backoffice")),
    path("authorities/callback/", authority_views.callback, name="authority_callback"),
    path("payments/notify/", payment_views.payment_notify, name="payment_notify"),
    path("payments/simulator/<str:reference>/", payment_views.payment_simulator, name="payment_simulator"),
    path("admin/", admin.site.urls),
]
