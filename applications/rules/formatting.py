"""How amounts and dates are written, for the rules' messages and every page (kept out of the rules themselves).

Formatted when a message is rendered, in the language active then: "€48,300.00" in English, "48.300,00 €" in
German; "15 January 2027", "15. Januar 2027". A pure module, so the lower apps (the checks' findings) write
them as the procedure's pages do.
"""

from datetime import date
from decimal import Decimal

from django.utils.formats import date_format, number_format
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


def written_date(value) -> str:
    """A date, or one stored as ISO text ("2027-01-15"), as pages write dates; other text unchanged."""
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    try:
        return date_format(date.fromisoformat(value), "DATE_FORMAT")
    except (TypeError, ValueError):
        return value or ""


def written_number(value) -> str:
    """A figure as the active language writes it, without a needless decimal: "38,5", "40" (not "40,0"); text
    that is no number unchanged."""
    try:
        return number_format(Decimal(str(value)).normalize())
    except ArithmeticError:
        return str(value)
