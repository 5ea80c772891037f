# Indian grouping: the first group of three, then groups of two ("€52,000.00", "€1,00,000.00").
# Django's Hindi formats group nothing. Only forced grouping (money) uses this.
NUMBER_GROUPING = (3, 2, 0)
