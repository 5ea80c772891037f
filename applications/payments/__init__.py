"""The fee of a visa application and its payment at the federal e-payment platform (ePayBL-like):
the fee due (models.FeeDue), the attempts to pay it (models.Payment), the provider adapter
(provider.py, with an in-process simulated bank), the services that start a payment and take the
provider's signed notification (services.py), the applicant's reads (selectors.py) and the pages
(views.py)."""
