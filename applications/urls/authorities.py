from django.urls import path

from authorities import views as hub

from ..views import appointments

app_name = "authorities"
urlpatterns = [
    path("", hub.request_board, name="board"),
    path("appointments/", appointments.appointment_slots, name="appointment_slots"),
    path("appointments/<uuid:public_id>/cancel/", appointments.appointment_slot_cancel,
         name="appointment_slot_cancel"),
    path("appointments/bookings/<uuid:public_id>/attended/", appointments.appointment_attendance,
         name="appointment_attendance"),
    path("appointments/bookings/<uuid:public_id>/missed/", appointments.appointment_missed,
         name="appointment_missed"),
]
