"""What the documents layer tells the layers above it, without knowing them."""

from django.dispatch import Signal

# A check of `document` was recorded (its findings, extracted fields and final state), inside the
# transaction that wrote it: a receiver's writes commit or roll back with it.
document_checked = Signal()
