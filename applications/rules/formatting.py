"""Number formatting for rule messages (kept out of the rules themselves).

Amounts are formatted when a message is rendered, in the language active then: "€48,300.00" in
English, "48.300,00 €" in German.
"""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import pgettext

from .thresholds import to_cents


def _eur(amount: Decimal) -> str:
    number = number_format(to_cents(amount), decimal_pos=2, use_l10n=True, force_grouping=True)
    # Translators: where the euro sign goes and how it is spaced, e.g. "{amount} €" in German.
    return pgettext("money", "€{amount}").format(amount=number)


eur = lazy(_eur, str)


def plain_number(number: Decimal) -> str:
    """2.0 -> "2", 2.50 -> "2.5"."""
    return format(number.normalize(), "f")
