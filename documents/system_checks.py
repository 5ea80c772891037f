"""What an operator must know before the portal takes uploads: whether a virus scanner looks at them."""

from django.conf import settings
from django.core.checks import Info, Tags, register


@register(Tags.security, deploy=True)
def virus_scanner_configured(app_configs, **kwargs):
    if settings.WSA_CLAMD_ADDRESS:
        return []
    return [Info(
        "Uploads are NOT scanned for viruses: WSA_CLAMD_ADDRESS is not set.",
        hint="Run clamd (docker compose runs ClamAV) and set WSA_CLAMD_ADDRESS, e.g. tcp://clamav:3310; "
             "uploads are then refused whenever the scanner cannot vouch for them.",
        id="wsa.I001",
    )]
