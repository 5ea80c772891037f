"""Number formatting for rule messages (kept out of the rules themselves)."""

from decimal import Decimal

from .thresholds import to_cents


def eur(amount: Decimal) -> str:
    """48300 -> "€48,300.00"."""
    return f"€{to_cents(amount):,.2f}"


def plain_number(number: Decimal) -> str:
    """2.0 -> "2", 2.50 -> "2.5"."""
    return format(number.normalize(), "f")
