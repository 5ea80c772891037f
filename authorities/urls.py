from django.urls import path

from . import views

app_name = "authorities"
urlpatterns = [
    path("", views.request_board, name="board"),
    path("appointments/", views.appointment_slots, name="appointment_slots"),
    path("appointments/<uuid:public_id>/cancel/", views.appointment_slot_cancel, name="appointment_slot_cancel"),
    path("appointments/bookings/<uuid:public_id>/attended/", views.appointment_attendance,
         name="appointment_attendance"),
]
