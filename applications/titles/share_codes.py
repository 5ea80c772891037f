"""Share codes: the holder lets an employer (right to work) or a landlord (right to rent) check one
valid title for a few days, without handing over a copy of the card.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), grouped by three:
31^12 ≈ 7.9 × 10^17 codes (59 bits). Only an HMAC of the code under SECRET_KEY is stored (a copy of
the database opens nothing); the holder sees the code once, right after creating it, and makes a new
one if it is lost. The public check page (/check/) admits a few wrong guesses per address and then
refuses for a while (`check_blocked_for`), so guessing stays hopeless.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from ..models import ResidenceTitle, ShareCode, ShareCodeCheck, SharePurpose

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
GROUP = 3
# How long a code may run: a check is a moment, not a standing permission.
VALIDITY_CHOICES_DAYS = (7, 30, 90)
MAX_VALIDITY_DAYS = 90


class ShareCodeError(Exception):
    """A share code that cannot be made or revoked now; the message is translated and shown as is."""


def code_new() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def code_normalise(text: str) -> str:
    """What the checker typed, without spaces and dashes, upper case; "" if it cannot be a code."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -\t")
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return ""
    return cleaned


def code_digest(normalised: str) -> str:
    return salted_hmac("wsa.share-code", normalised, algorithm="sha256").hexdigest()


@transaction.atomic
def share_code_create(*, title: ResidenceTitle, purpose: str, days: int) -> tuple[ShareCode, str]:
    """A new code for `title` (the caller has checked that the actor holds it); returns the row and
    the code, which is never readable again."""
    if purpose not in SharePurpose.values:
        raise ShareCodeError(gettext("Please choose what the code is for."))
    if days not in VALIDITY_CHOICES_DAYS or days > MAX_VALIDITY_DAYS:
        raise ShareCodeError(gettext("Please choose how long the code may be used."))
    title = ResidenceTitle.objects.select_for_update().get(pk=title.pk)
    today = timezone.localdate()
    if not title.is_valid_on(today):
        raise ShareCodeError(gettext("A share code can only be made for a title that is valid today."))
    expires = timezone.now() + timedelta(days=days)
    for _attempt in range(3):
        code = code_new()
        try:
            with transaction.atomic():
                row = ShareCode.objects.create(title=title, purpose=purpose, expires_at=expires,
                                               digest=code_digest(code_normalise(code)), hint=code[-3:])
        except IntegrityError:  # the same code twice: practically never, but never two rows for one code
            continue
        return row, code
    raise ShareCodeError(gettext("The code could not be made. Please try again."))


def share_code_revoke(*, code: ShareCode) -> ShareCode:
    if code.revoked_at is None:
        ShareCode.objects.filter(pk=code.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        code.refresh_from_db(fields=["revoked_at"])
    return code


@dataclass(frozen=True)
class CheckResult:
    code: ShareCode
    title: ResidenceTitle
    check: ShareCodeCheck


def share_code_check(*, text: str, purpose: str, organisation: str = "") -> CheckResult | None:
    """The title a code opens for `purpose`, with the check logged for the holder; None for a code
    that is wrong, expired, revoked, made for another purpose, or whose title is no longer valid —
    the checker is not told which."""
    normalised = code_normalise(text)
    if not normalised or purpose not in SharePurpose.values:
        return None
    code = (ShareCode.objects.usable().select_related("title__holder", "title__employer")
            .filter(digest=code_digest(normalised), purpose=purpose).first())
    if code is None or not code.title.is_valid_on(timezone.localdate()):
        return None
    check = ShareCodeCheck.objects.create(code=code, purpose=purpose, organisation=organisation.strip()[:200])
    return CheckResult(code=code, title=code.title, check=check)


# --- guessing: a few wrong codes per address, then a pause ---------------------------------------
# The wrong attempts of an address are kept as their times in the cache (a sliding window). Two
# parallel requests can lose one count; with 59 bits per code a few extra guesses change nothing.

FAILURES_KEY = "wsa:share-check-failures:{ip}"
BLOCK_KEY = "wsa:share-check-blocked:{ip}"


def clock() -> float:
    """Seconds since the epoch; the one clock of the throttle (tests move it forward)."""
    return time.time()


def _ip(ip: str | None) -> str:
    return ip or "unknown"


def check_blocked_for(ip: str | None) -> int:
    """Seconds the address must still wait before it may check again; 0 if it may now."""
    until = cache.get(BLOCK_KEY.format(ip=_ip(ip)))
    if not until:
        return 0
    left = int(until - clock()) + 1
    return left if until > clock() else 0


def check_failed(ip: str | None) -> bool:
    """Counts one wrong attempt; True if the address is now blocked."""
    now = clock()
    window = settings.WSA_SHARE_CHECK_WINDOW_SECONDS
    key = FAILURES_KEY.format(ip=_ip(ip))
    recent = [moment for moment in (cache.get(key) or []) if moment > now - window] + [now]
    if len(recent) >= settings.WSA_SHARE_CHECK_FAILURE_LIMIT:
        block = settings.WSA_SHARE_CHECK_BLOCK_SECONDS
        cache.set(BLOCK_KEY.format(ip=_ip(ip)), now + block, timeout=block + 60)
        cache.delete(key)
        return True
    cache.set(key, recent, timeout=window + 60)
    return False
