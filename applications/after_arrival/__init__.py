"""After arrival: extension with a digital Fiktionsbescheinigung, the employer's report of an early
end of employment, job changes and settlement-permit readiness (services, selectors, certificate)."""
