# Amounts group their thousands with a dot ("52.000,00 €"), as Vietnamese writes them; Django's
# Vietnamese formats group nothing. Only forced grouping (money) uses this.
NUMBER_GROUPING = 3
