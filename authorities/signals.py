"""What the authority hub tells the case store. The hub stands below the applications and never
imports them: it sends these signals, and `applications.procedure` receives them.

Every signal is sent synchronously inside the transaction of the change it reports, with the case
locked (Case, then AuthorityRequest: the hub's lock order), so what a receiver writes commits or
rolls back with it.
"""

from django.dispatch import Signal

# Something happened to a request that belongs in the case's timeline.
# Arguments: request (its `case` is the locked case), status (a services.STATUS_* code), internal
# (staff-only entry), actor, moves_deadline (the request got or lost a due date), extra (more payload).
request_event = Signal()

# An approval was answered or the applicant attended the appointment at the visa office: the case
# may now be ready for the visa decision. Arguments: case (locked), actor.
procedure_step_done = Signal()

# The deadlines sweep ran: cases whose move to the visa decision was missed are moved now.
# Receivers return how many cases they moved.
deadlines_swept = Signal()
