from django.urls import path

from ..views import finder

app_name = "finder"
urlpatterns = [
    path("", finder.step, {"name": "qualification"}, name="start"),
    path("questions/<slug:name>/", finder.step, name="step"),
    path("result/", finder.result, name="result"),
    path("restart/", finder.restart, name="restart"),
]
