"""Representatives (relocation agencies, law firms, chambers' welcome centres) acting for applicants
and employers within a mandate: models, services (writes), selectors (reads, with their access checks)."""
