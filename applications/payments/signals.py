from django.dispatch import Signal

# Sent inside the transaction that marks a case's fee paid (kwargs: case, kind, actor): the procedure may
# move on to the visa decision (applications.procedure connects it).
fee_paid = Signal()
