from django.urls import path

from ..views import applicant

app_name = "applicant"
urlpatterns = [
    path("", applicant.home, name="home"),
    path("cases/<uuid:public_id>/", applicant.case_detail, name="case_detail"),
]
