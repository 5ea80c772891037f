"""The BA's approval already on file for a case, so that the hub does not ask the BA again.

Two grounds: the BA's pre-approval the employer obtained before the application (§ 36 Abs. 3
BeschV: the BA "soll bereits vor der Übermittlung der Zustimmungsanfrage … zustimmen"; the eAMZ
pre-approval is valid six months, DOMAIN.md 3, step 2a), and the BA's global approval for a designated
occupation with the employer's written assurance (§ 39 Abs. 2a AufenthG, DOMAIN.md 8.0). Recorded by
the WSA during the completeness check, before anything goes to an office.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from authorities.models import BaApprovalGround


class BaApprovalOnFile(models.Model):
    case = models.OneToOneField("applications.Case", on_delete=models.CASCADE, related_name="ba_on_file")
    ground = models.CharField(_("ground"), max_length=20, choices=BaApprovalGround.choices)
    reference = models.CharField(_("the BA's reference"), max_length=100)
    valid_until = models.DateField(_("valid until"))
    global_approval = models.ForeignKey("authorities.BaGlobalApproval", on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("BA approval on file")
        verbose_name_plural = _("BA approvals on file")

    def __str__(self):
        return f"{self.case} · {self.get_ground_display()} · {self.reference}"
