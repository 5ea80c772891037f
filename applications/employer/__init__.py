"""The employer domain in one place: what employers do in their portal and through the HR API, what
they may read of their candidates' cases, and the webhooks their HR systems receive. Organisations,
memberships, API tokens and webhook endpoints are accounts' models (the ground floor)."""
