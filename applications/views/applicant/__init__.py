"""The applicant portal: once-only profile, document library, application wizard, case status,
messages, document requests, entry report, decisions and own data.

Every page works without JavaScript (plain forms, POST-redirect-GET); htmx only swaps fragments.
Reads go through selectors, writes through services; a case or document of someone else is a 404.
"""
