from django.urls import path

from . import views

app_name = "authorities"
urlpatterns = [
    path("", views.request_board, name="board"),
]
