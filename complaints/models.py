"""Complaints against marketplace listings: one complaint, one item per listing.

Issue 3 needs only what holding an item on a withdrawn right rests on; the filing
steps, marketplaces and the full workflow build on these models in their own issues.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Platform(models.TextChoices):
    TAOBAO = "taobao", "Taobao"
    TMALL = "tmall", "Tmall"
    TMALL_HK = "tmallhk", "Tmall HK"
    ALI1688 = "1688", "1688"
    ALIBABA = "alibaba", "Alibaba.com"
    ALIEXPRESS = "aliexpress", "AliExpress"
    LAZADA = "lazada", "Lazada"


class Complaint(models.Model):
    complainant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="complaints")
    ipr = models.ForeignKey("ipr.IPR", on_delete=models.PROTECT, related_name="complaints")
    platform = models.CharField(_("platform"), max_length=12, choices=Platform.choices)
    reason = models.CharField(_("reason"), max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Complaint {self.pk} on {self.platform}"


class ComplaintItem(models.Model):
    """One listing of a complaint, with its own state in the workflow (see ``complaints.workflow``)."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("complaint item state", "Submitted")
        IN_REVIEW = "in_review", _("In review")
        REJECTED = "rejected", _("Rejected")
        SELLER_NOTIFIED = "seller_notified", _("Seller notified")
        COUNTER_NOTICED = "counter_noticed", _("Counter-notice received")
        COUNTER_ACCEPTED = "counter_accepted", _("Counter-notice accepted")
        IN_DECISION = "in_decision", _("Awaiting decision")
        TAKEN_DOWN = "taken_down", _("Taken down")
        REINSTATED = "reinstated", _("Reinstated")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        HELD = "held", _("On hold")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="items")
    listing_url = models.URLField(max_length=500)
    state = models.CharField(max_length=20, choices=State.choices, default=State.SUBMITTED)
    # Where a held item resumes once its right is authenticated again.
    held_from = models.CharField(max_length=20, choices=State.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"Item {self.pk} ({self.state})"


class ComplaintItemEvent(models.Model):
    """One row per move of an item: who, when, from, to, why."""

    item = models.ForeignKey(ComplaintItem, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=20, choices=ComplaintItem.State.choices)
    to_state = models.CharField(max_length=20, choices=ComplaintItem.State.choices)
    reason = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.from_state} → {self.to_state}"
