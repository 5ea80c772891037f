"""The household: a main applicant (its head) and the family members who apply with them or join
them later, each a Person with their own profile and their own case (§§ 27–32 AufenthG)."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Relationship(models.TextChoices):
    # § 30 AufenthG (spouse; a registered partner is treated alike, § 27 Abs. 2 AufenthG) and
    # § 32 AufenthG (minor unmarried child).
    SPOUSE = "spouse", _("Spouse or registered partner")
    CHILD = "child", _("Child")


# The residence title each relationship applies for.
FAMILY_TITLE = {Relationship.SPOUSE: "30", Relationship.CHILD: "32"}


class Household(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    head = models.OneToOneField("applications.Person", on_delete=models.CASCADE, related_name="headed_household",
                                verbose_name=_("main applicant"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self):
        return str(self.head)


class HouseholdMember(models.Model):
    """A family member of the head. While the member has no login of their own the head acts for
    them; once they have one, the head sees their data only with their consent (a child's data
    stays visible to the parents in the household)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.OneToOneField("applications.Person", on_delete=models.CASCADE, related_name="household_membership")
    relationship = models.CharField(_("relationship"), max_length=10, choices=Relationship.choices)
    # Set by the member from their own portal; read only while they have a login of their own.
    head_may_see = models.BooleanField(_("the main applicant may see my data and application"), default=False)
    invited_email = models.EmailField(_("e-mail address for the invitation"), blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.person} ({self.get_relationship_display()})"

    @property
    def family_title(self) -> str:
        return FAMILY_TITLE[self.relationship]
