from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("<uuid:public_id>/download/", views.download, name="download"),
    path("<uuid:public_id>/status/", views.status, name="status"),
]
