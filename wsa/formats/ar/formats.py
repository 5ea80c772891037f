# Amounts group their thousands ("52.000,00 €"); Django's Arabic formats group nothing, which makes
# 5200000 hard to read. Only forced grouping (money) uses this: USE_THOUSAND_SEPARATOR stays off.
NUMBER_GROUPING = 3
