"""Complaints against marketplace listings, and the marketplaces' listings themselves.

A complaint names one platform, one authenticated IP right, one reason and up to 200
listings; each listing becomes a ``ComplaintItem`` with its own state in the workflow
(``complaints.workflow``). Platforms are data an admin edits; listings are the local
catalogue the marketplace adapter (``complaints.marketplaces``) reads and writes.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# The platforms' names as first configured, for the translation catalogue: a name an admin
# keeps is shown translated, a name an admin changes is shown as typed.
PLATFORM_NAMES = [gettext_noop("Taobao"), gettext_noop("Tmall"), gettext_noop("Tmall HK"), gettext_noop("1688"),
                  gettext_noop("Alibaba.com"), gettext_noop("AliExpress"), gettext_noop("Lazada")]


class Platform(models.Model):
    """A marketplace and the settings its complaints follow; admins change them, the code keys them."""

    class Code(models.TextChoices):
        TAOBAO = "taobao", "Taobao"
        TMALL = "tmall", "Tmall"
        TMALL_HK = "tmallhk", "Tmall HK"
        ALI1688 = "1688", "1688"
        ALIBABA = "alibaba", "Alibaba.com"
        ALIEXPRESS = "aliexpress", "AliExpress"
        LAZADA = "lazada", "Lazada"

    code = models.CharField(_("code"), max_length=12, primary_key=True, choices=Code.choices)
    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)
    is_active = models.BooleanField(_("accepts complaints"), default=True)
    hosts = models.TextField(
        _("web addresses"),
        help_text=_("The platform's domains, one per line; their subdomains (www., m., country sites) count too."))
    url_patterns = models.TextField(
        _("product page shapes"),
        help_text=_("Regular expressions, one per line, matched against host/path?query of a product page's "
                    "address; the group (?P<id>…) captures the listing id."))
    requires_china_rights = models.BooleanField(
        _("rights must be valid in China"), default=False,
        help_text=_("China is first-to-file: Taobao, Tmall, Tmall HK and 1688 accept only rights registered in China."))
    seller_response_days = models.PositiveSmallIntegerField(_("seller response window (days)"), default=3)
    max_listings_per_complaint = models.PositiveSmallIntegerField(_("listings per complaint, at most"), default=200)
    complainant_answer_working_days = models.PositiveSmallIntegerField(
        _("complainant's window to answer a counter-notice (working days)"), default=3)
    penalty_points_per_takedown = models.PositiveSmallIntegerField(_("penalty points per takedown"), default=2)
    copyright_points_per_complaint = models.BooleanField(
        _("copyright: points per complaint of one owner"), default=False,
        help_text=_("Alibaba.com and AliExpress count copyright points once per successful complaint from the "
                    "same rights owner, whatever the work or the number of listings."))

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.label

    def clean(self):
        # A broken pattern would make every address of the platform unreadable.
        problems = []
        for number, pattern in enumerate(self.pattern_list, start=1):
            try:
                compiled = re.compile(pattern)
            except re.error as error:
                problems.append(_("Line %(n)s is not a valid regular expression: %(error)s.") % {"n": number, "error": error})
                continue
            if "id" not in compiled.groupindex:
                problems.append(_("Line %(n)s has no (?P<id>…) group to capture the listing id.") % {"n": number})
        if problems:
            raise ValidationError({"url_patterns": problems})

    @property
    def label(self) -> str:
        """The name in the user's language."""
        return gettext(self.name)

    @property
    def host_list(self) -> list[str]:
        return [line.strip().lower() for line in self.hosts.splitlines() if line.strip()]

    @property
    def pattern_list(self) -> list[str]:
        return [line.strip() for line in self.url_patterns.splitlines() if line.strip()]


class Shop(models.Model):
    """A seller's shop on one platform; ``owner`` is the seller's portal account, when it has one."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="shops")
    shop_id = models.CharField(_("shop id"), max_length=40)
    name = models.CharField(_("shop name"), max_length=120)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="shops")

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        constraints = [models.UniqueConstraint(fields=["platform", "shop_id"], name="one_shop_per_platform_id")]

    def __str__(self) -> str:
        return f"{self.name} ({self.platform_id})"


class Listing(models.Model):
    """A product listing as the portal knows it: the catalogue adapter's data, or a real marketplace's mirrored."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        # A Good Faith member's notice hides the listing at once, until the seller's window decides it.
        HIDDEN = "hidden", _("Hidden pending the seller's answer")
        REMOVED = "removed", _("Removed")

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="listings")
    listing_id = models.CharField(_("listing id"), max_length=40)
    url = models.URLField(_("address"), max_length=500)
    title = models.CharField(_("title"), max_length=300)
    category = models.CharField(_("category"), max_length=120, blank=True)
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="listings")
    image_urls = models.JSONField(_("images"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    listed_on = models.DateField(_("listed on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["platform", "pk"]
        constraints = [models.UniqueConstraint(fields=["platform", "listing_id"], name="one_listing_per_platform_id")]

    def __str__(self) -> str:
        return f"{self.platform_id}:{self.listing_id} {self.title[:40]}"

    @property
    def picture_url(self) -> str | None:
        """The first image: a marketplace's own address as it is, or one of our static catalogue pictures."""
        from django.templatetags.static import static

        first = next(iter(self.image_urls or []), None)
        if not first or first.startswith(("https://", "http://", "/")):
            return first or None
        try:
            return static(first)
        except ValueError:  # not among the collected static files
            return None


class Complaint(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Reason(models.TextChoices):
        COUNTERFEIT = "counterfeit", _("Counterfeit: the product poses as the brand's genuine goods")
        TRADEMARK_MISUSE = "trademark_misuse", _("Unauthorised use of the trademark (e.g. the brand name in another product's title)")
        PIRATED = "pirated", _("The product or its packaging is pirated")
        UNAUTHORIZED_CONTENT = "unauthorized_content", _("The product includes copyrighted content or images without authorisation")
        IMAGE_MISUSE = "image_misuse", _("An image is used without authorisation on the product page")
        TEXT_MISUSE = "text_misuse", _("Text is used without authorisation on the product page")
        PATENT_INFRINGEMENT = "patent_infringement", _("Infringes the invention, utility model or design patent")
        OTHER = "other", _("Infringes the right")

    # Which reasons a right of each kind supports (domain: "Complaints").
    REASONS_BY_KIND = {
        "trademark": [Reason.COUNTERFEIT, Reason.TRADEMARK_MISUSE],
        "copyright": [Reason.PIRATED, Reason.UNAUTHORIZED_CONTENT, Reason.IMAGE_MISUSE, Reason.TEXT_MISUSE],
        "patent": [Reason.PATENT_INFRINGEMENT],
        "other": [Reason.OTHER],
    }

    class Source(models.TextChoices):
        PORTAL = "portal", _("Portal")
        API = "api", _("API")
        BULK = "bulk", _("Bulk upload")
        DMCA = "dmca", _("DMCA form")

    # A DMCA notice sent without an account has no complainant and no registered right.
    complainant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="complaints")
    ipr = models.ForeignKey("ipr.IPR", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints")
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="complaints")
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    source = models.CharField(_("filed through"), max_length=10, choices=Source.choices, default=Source.PORTAL)
    # The listings as pasted, one per line: kept on a draft so a half-done list is never lost.
    urls_text = models.TextField(_("listings"), blank=True)
    description = models.TextField(_("description of the evidence"), blank=True, max_length=5000)
    good_faith_statement = models.BooleanField(default=False)
    accuracy_statement = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="complaint_has_complainant_unless_dmca",
                condition=Q(source="dmca") | Q(complainant__isnull=False)),
            models.CheckConstraint(
                name="filed_complaint_names_its_right",
                condition=Q(status="draft") | Q(source="dmca") | Q(ipr__isnull=False, reason__gt="")),
        ]
        indexes = [
            models.Index(fields=["complainant", "status", "-created_at"]),
            # The holder's counts by status and platform (dashboard, Manage Complaints) read only this index: a
            # brand with 2,000 complaints is counted in under a millisecond instead of reading 2,000 rows.
            models.Index(fields=["complainant", "status", "platform", "id"], name="complaint_holder_counts"),
            # The newest first, as the model orders: the data admin's list takes a page instead of sorting them all.
            models.Index(fields=["-created_at", "-id"], name="complaint_newest"),
        ]

    def __str__(self) -> str:
        return f"Complaint {self.pk} on {self.platform_id}"

    @property
    def reference(self) -> str:
        return f"C{self.pk:07d}"

    @property
    def is_dmca(self) -> bool:
        return self.source == self.Source.DMCA


class ComplaintEvidence(models.Model):
    """A file that proves the complaint: test purchase, comparison photos, the original work."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    document = models.ForeignKey("ipp.Document", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Evidence {self.document_id} of complaint {self.complaint_id}"


class DmcaNotice(models.Model):
    """The six elements of a DMCA notice sent through the public form, checked by a reviewer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Identity to be checked")
        VERIFIED = "verified", _("Identity checked")
        REJECTED = "rejected", _("Rejected")

    class RejectionReason(models.TextChoices):
        SIGNATURE = "signature", _("The signature is missing or does not match the notifier's name.")
        NOT_OWNER = "not_owner", _("The notifier is not the copyright owner or authorised to act for the owner.")
        CONTACT_UNREACHABLE = "contact_unreachable", _("The contact details given could not be reached.")
        WORK_NOT_IDENTIFIED = "work_not_identified", _("The copyrighted work is not identified.")
        NOT_COPYRIGHT = "not_copyright", _("This is not a copyright matter.")
        OTHER = "other", _("Other (see the note).")

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="dmca")
    full_name = models.CharField(_("full name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("telephone"), max_length=40)
    address = models.TextField(_("postal address"), max_length=500)
    work_description = models.TextField(_("the copyrighted work"), max_length=5000)
    signature = models.CharField(_("electronic signature"), max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=2000)
    rejection_reason = models.CharField(max_length=20, choices=RejectionReason.choices, blank=True)
    # The two statements exactly as the notifier saw and ticked them (in its language): the notice's own words.
    statements_text = models.TextField(_("statements made"))
    # The language the form was in: the notifier's emails follow it.
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    due_on = models.DateField(help_text=_("Reviewers check the identity by this date (working days, China's calendar)."))
    # For abuse handling only (a flood of notices from one place); never shown to sellers.
    submitted_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("DMCA notice")
        verbose_name_plural = _("DMCA notices")
        constraints = [
            models.CheckConstraint(name="rejected_dmca_notice_has_reason",
                                   condition=~Q(status="rejected") | Q(rejection_reason__gt="")),
        ]

    def __str__(self) -> str:
        return f"DMCA notice {self.pk} from {self.email}"


class SpotCheck(models.TextChoices):
    """A reviewer's check of a sample of Good Faith members' items, which skipped review."""

    PENDING = "pending", _("To check")
    CONFIRMED = "confirmed", _("Confirmed")
    UNFOUNDED = "unfounded", _("Unfounded")


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
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="complaint_items")
    # The address as the complainant gave it (the listing keeps the canonical one).
    listing_url = models.URLField(max_length=500)
    state = models.CharField(max_length=20, choices=State.choices, default=State.SUBMITTED)
    # Where a held item resumes once its right is authenticated again.
    held_from = models.CharField(max_length=20, choices=State.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Deadlines are columns, swept by beat (never long Celery countdowns): each is set by the move into
    # the state it belongs to (``workflow.DEADLINES``) and read only while the item is in that state.
    review_due_on = models.DateField(null=True, blank=True)  # reviewers decide by (working days)
    respond_by = models.DateTimeField(null=True, blank=True)  # the seller's counter-notice window
    answer_by = models.DateTimeField(null=True, blank=True)  # the complainant's answer to a counter-notice
    decided_at = models.DateTimeField(null=True, blank=True)
    # When the item moved into its current state: how long it has waited (the queue sorts by it).
    state_since = models.DateTimeField(default=timezone.now)
    # A reviewer's claim on the item while it waits for a reviewer: others see it taken until it lapses
    # (IPP_REVIEW_CLAIM_MINUTES), so nothing stays stuck with a reviewer who left.
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Filed by a Good Faith member: it skipped manual review (the listing was hidden at once).
    good_faith = models.BooleanField(default=False)
    spot_check = models.CharField(max_length=10, choices=SpotCheck.choices, blank=True)
    spot_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    spot_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            # With the id, counts by state read the index alone, also when the query joins a table PostgreSQL can
            # drop from it (the reviewers' queue joins each item's counter-notice; docs/benchmarks.md).
            models.Index(fields=["state", "id"], name="item_state_id"),
            # The timed moves (workflow.items_move_due) take the items of these states in batches in id order: without
            # it each batch walked the primary key from the first id past every item moved before (docs/benchmarks.md).
            models.Index(fields=["id"], condition=Q(state__in=["submitted", "seller_notified", "counter_noticed"]),
                         name="item_timed_move"),
            models.Index(fields=["spot_check"], condition=Q(spot_check="pending"), name="item_spot_check_pending"),
            # The reviewers' queue: items waiting for a reviewer, the longest waiting first.
            models.Index(fields=["state_since", "id"], condition=Q(state__in=["in_review", "in_decision"]),
                         name="item_awaiting_reviewer"),
            # The queue's counts, waiting and overdue (the reviewers' dashboard and tabs), from the index alone:
            # 96 → 13 ms for 81,864 items in review.
            models.Index(fields=["state", "review_due_on", "id"], condition=Q(state__in=["in_review", "in_decision"]),
                         name="item_review_counts"),
            # Items decided, or withdrawn, in a period: the Good Faith records' window and the reports' periods.
            models.Index(fields=["decided_at"], condition=Q(decided_at__isnull=False), name="item_decided_at"),
            models.Index(fields=["state_since"], condition=Q(state="withdrawn"), name="item_withdrawn_since"),
            models.Index(fields=["respond_by"], condition=Q(state="seller_notified"), name="item_seller_window"),
            models.Index(fields=["answer_by"], condition=Q(state="counter_noticed"), name="item_answer_window"),
        ]
        constraints = [models.UniqueConstraint(fields=["complaint", "listing"], name="one_item_per_listing")]

    def __str__(self) -> str:
        return f"Item {self.pk} ({self.state})"

    def claim_runs(self, now=None) -> bool:
        """Whether a reviewer's claim on the item still runs (``claimed_by``); it lapses at ``claimed_until``."""
        return bool(self.claimed_by_id and self.claimed_until and self.claimed_until > (now or timezone.now()))

    def claimed_by_reviewer(self, reviewer, now=None) -> bool:
        return self.claim_runs(now) and self.claimed_by_id == reviewer.pk


class CounterNotice(models.Model):
    """The seller's answer to a notice: why the listing does not infringe, under penalty of perjury."""

    class Ground(models.TextChoices):
        AUTHORISED = "authorised", _("I am authorised by the rights owner to sell this product")
        GENUINE = "genuine", _("The goods are genuine (invoices from the brand or its distributors)")
        OWN_RIGHT = "own_right", _("I hold a registered right of my own for this product")
        NOT_INFRINGING = "not_infringing", _("The listing does not use the complainant's right")
        OTHER = "other", _("Other (explained in the statement)")

    item = models.OneToOneField(ComplaintItem, on_delete=models.CASCADE, related_name="counter_notice")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="counter_notices")
    ground = models.CharField(_("ground"), max_length=20, choices=Ground.choices)
    statement = models.TextField(_("statement"), max_length=5000)
    perjury_statement = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("counter-notice")
        verbose_name_plural = _("counter-notices")
        constraints = [models.CheckConstraint(name="counter_notice_sworn", condition=Q(perjury_statement=True))]

    def __str__(self) -> str:
        return f"Counter-notice on item {self.item_id}"


class CounterNoticeEvidence(models.Model):
    counter_notice = models.ForeignKey(CounterNotice, on_delete=models.CASCADE, related_name="evidence")
    document = models.ForeignKey("ipp.Document", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Evidence {self.document_id} of counter-notice {self.counter_notice_id}"


class PenaltyEntry(models.Model):
    """Points on a seller's record for one takedown (or one complaint, under a per-complaint rule)."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="penalties")
    item = models.ForeignKey(ComplaintItem, on_delete=models.PROTECT, related_name="+")
    # What one entry counts: "item:<id>", or "complaint:<id>" where the platform counts copyright per complaint.
    counted_as = models.CharField(max_length=40)
    points = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("penalty entry")
        verbose_name_plural = _("penalty entries")
        constraints = [models.UniqueConstraint(fields=["shop", "counted_as"], name="one_penalty_per_count")]

    def __str__(self) -> str:
        return f"{self.points} points to {self.shop_id} ({self.counted_as})"


class ItemRejectionReason(models.TextChoices):
    """Why a reviewer rejects a complaint item (the API takes the codes)."""

    INVALID_LISTING = "invalid_listing", _("The listing is invalid (it cannot be found or shows no product).")
    IPR_MISMATCH = "ipr_mismatch", _("The right does not match the listing (e.g. a class for clothing, a listing of jewellery).")
    USE_NOT_FOUND = "use_not_found", _("The use of the right cannot be found in the listing.")
    INSUFFICIENT_PROOF = "insufficient_proof", _("The evidence does not prove the listing is counterfeit.")
    PARALLEL_GOODS = "parallel_goods", _("The goods appear genuine (parallel goods), which is not in itself infringement.")
    JURISDICTION = "jurisdiction", _("The right is not valid in the platform's jurisdiction.")
    OTHER = "other", _("Other (see the note).")


# Why an item moved, in words, by the code its event records (a rejection's reason is one of ItemRejectionReason,
# a DMCA notice's rejection "dmca_" and one of DmcaNotice.RejectionReason).
MOVE_REASONS = {
    "filed": _("filed"),
    "review_started": _("into review"),
    "accepted": _("accepted after review"),
    "counter_notice": _("the seller filed a counter-notice"),
    "counter_notice_accepted": _("the complainant accepted the counter-notice"),
    "complaint_maintained": _("the complainant maintained the complaint"),
    "no_counter_notice": _("no counter-notice within the window"),
    "no_answer_to_counter_notice": _("the counter-notice was not answered within the window"),
    "take_down": _("decided after the counter-notice"),
    "reinstate": _("decided after the counter-notice"),
    "withdrawn_by_complainant": _("withdrawn by the complainant"),
    "ipr_withdrawn": _("the right's authentication was withdrawn"),
    "ipr_reauthenticated": _("the right was authenticated again"),
    "good_faith": _("a Good Faith member's notice, sent on without manual review"),
    **dict(ItemRejectionReason.choices),
    **{f"dmca_{code}": label for code, label in DmcaNotice.RejectionReason.choices},
}


class ComplaintItemEvent(models.Model):
    """One row per move of an item: who, when, from, to, why."""

    item = models.ForeignKey(ComplaintItem, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=20, choices=ComplaintItem.State.choices, blank=True)  # blank: filed
    to_state = models.CharField(max_length=20, choices=ComplaintItem.State.choices)
    reason = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The move's side effects (marketplace calls, notices, points) ran: set by the worker, swept when not.
    effects_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["at"], condition=Q(effects_done_at__isnull=True), name="event_effects_pending")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.from_state} → {self.to_state}"

    @property
    def reason_label(self) -> str:
        """Why the item moved, in words (a code no table knows is shown as it is)."""
        return MOVE_REASONS.get(self.reason, self.reason)


# --- The Good Faith Program and filing suspensions ----------------------------------------------------

class GoodFaithMembership(models.Model):
    """A complainant's standing in the Good Faith Program: a member's items skip manual review.

    Granted, suspended and revoked by admins (``services.good_faith_change``), each change kept in
    ``GoodFaithChange``. ``flagged_at`` is set when a member's record falls under the bar, for an admin to act.
    """

    class Status(models.TextChoices):
        MEMBER = "member", _("Member")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    complainant = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="good_faith")
    status = models.CharField(max_length=10, choices=Status.choices)
    since = models.DateTimeField()
    flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Good Faith membership")
        verbose_name_plural = _("Good Faith memberships")

    def __str__(self) -> str:
        return f"{self.complainant} ({self.status})"


class GoodFaithChange(models.Model):
    """One change of a complainant's Good Faith standing: who, when, what and why."""

    class Action(models.TextChoices):
        GRANT = "grant", _("Granted")
        SUSPEND = "suspend", _("Suspended")
        REVOKE = "revoke", _("Revoked")
        FLAG = "flag", _("Flagged: the record fell under the bar")

    complainant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")  # null: the portal (a flag)
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.TextField(max_length=2000)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.complainant_id}: {self.action} at {self.at:%Y-%m-%d}"


class FilingSuspension(models.Model):
    """A complainant barred from filing for a period, for notices repeatedly manifestly unfounded (DSA Art. 23)."""

    complainant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="filing_suspensions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=2000)
    starts_at = models.DateTimeField(auto_now_add=True)
    ends_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="suspension_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.complainant_id}: no filing until {self.ends_at:%Y-%m-%d}"
