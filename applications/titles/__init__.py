"""The issued residence title after the decision: its issuance from the case's decisions, the
reminders before it ends, and share codes for employers and landlords (README "After arrival: titles
and share codes")."""
