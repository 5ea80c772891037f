import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from .seed_demo import DEMO_DOMAIN, demo_totp_secret


class Command(BaseCommand):
    help = "Prints the current two-factor code of a demo staff or employer-owner login (development only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if settings.PRODUCTION or not email.endswith(f"@{DEMO_DOMAIN}"):
            raise CommandError("Only for demo logins outside production.")
        counter = int(time.time()) // 30
        self.stdout.write(format_hotp_value(hotp_value(demo_totp_secret(email), counter)))
