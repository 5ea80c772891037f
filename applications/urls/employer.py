from django.urls import path

from ..views import employer

app_name = "employer"
urlpatterns = [
    path("", employer.home, name="home"),
]
