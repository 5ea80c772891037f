# Amounts group their thousands with a dot ("52.000,00 €"), as Vietnamese writes them; Django's
# Vietnamese formats group nothing. Only forced grouping (money) uses this.
NUMBER_GROUPING = 3

# Django's Vietnamese dates begin with a capital "Ngày" and a leading zero ("có hiệu lực đến Ngày 06 tháng 1
# năm 2027"): inside a sentence Vietnamese writes "ngày 6 tháng 1 năm 2027".
DATE_FORMAT = r"\n\g\à\y j \t\h\á\n\g n \n\ă\m Y"
DATETIME_FORMAT = r"H:i, \n\g\à\y j \t\h\á\n\g n \n\ă\m Y"
