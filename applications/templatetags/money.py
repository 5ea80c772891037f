"""``{{ amount|money }}``: an amount in euros written the way the active language writes money
("52.000,00 €" in German, "€52,000.00" in English, "52 000,00 €" in French). The same function words
the amounts in the rules' messages, so a page never shows one amount two ways."""

from decimal import Decimal, InvalidOperation

from django import template

from ..rules.formatting import eur

register = template.Library()


@register.filter
def money(amount) -> str:
    if amount is None or amount == "":
        return ""
    try:
        return str(eur(Decimal(str(amount))))
    except InvalidOperation:
        return str(amount)
