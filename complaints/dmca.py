"""DMCA notices sent without an account, through the public form, and the reviewers' identity check.

A notice counts only when it carries the six elements of 17 U.S.C. §512(c)(3)(A): a
signature, the work, where the infringing material is, contact details, a good-faith
statement, and a statement of accuracy under penalty of perjury. ``dmca_notice_file``
refuses a notice that lacks any of them and saves nothing; a filed notice becomes a
complaint (``source="dmca"``, no complainant, no registered right) whose items wait,
``submitted``, until a reviewer checks who sent it: verified, they go on to the normal
review; rejected, every item is rejected at intake and the notifier is told why.

One module for the feature (form, services, pages): it is used by people with no account,
apart from the filing steps of ``views.py``.
"""

import unicodedata

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.adapter import client_ip
from accounts.models import User
from ipp import workdays
from ipp.access import reviewer_required
from ipp.mail import send_to_addresses
from ipp.reviews import ReviewConflict, review_page
from ipp.tasks import enqueue

from . import workflow
from .listing_urls import UrlProblem
from .models import Complaint, ComplaintItem, DmcaNotice, Platform
from .services import (
    FilingRefused,
    complaint_items_add,
    complaint_status_refresh,
    listings_check,
    reasons_for,
)

State = ComplaintItem.State

# The two statements the notice must make, in the statute's words adapted to a form (§512(c)(3)(A)(v), (vi)).
GOOD_FAITH_STATEMENT = gettext_lazy(
    "I have a good faith belief that use of the material in the manner complained of is not authorised by the "
    "copyright owner, its agent, or the law.")
ACCURACY_STATEMENT = gettext_lazy(
    "The information in this notice is accurate and, under penalty of perjury, I am the owner of the copyright "
    "that is allegedly infringed or I am authorised to act on behalf of the owner.")

# What each element's absence means, worded for the notifier; the form and the service say the same.
ELEMENT_MISSING = {
    "full_name": gettext_lazy("Give your full legal name: a notice must say who sends it."),
    "email": gettext_lazy("Give an email address where we can reach you."),
    "phone": gettext_lazy("Give a telephone number where we can reach you."),
    "address": gettext_lazy("Give your postal address."),
    "work_description": gettext_lazy("Identify the copyrighted work you say is infringed."),
    "urls": gettext_lazy("Give the address of at least one infringing listing."),
    "good_faith": gettext_lazy("A DMCA notice must include the good-faith statement: tick it if it is true."),
    "accuracy": gettext_lazy("A DMCA notice must include the statement of accuracy under penalty of perjury: tick it "
                             "if it is true."),
    "signature": gettext_lazy("Sign the notice: type your full legal name."),
}

# Abuse limits per client address and hour. Filed notices are few for a genuine notifier; attempts
# are counted apart so a notifier correcting mistakes is not locked out by its own corrections.
NOTICES_PER_HOUR = 5
ATTEMPTS_PER_HOUR = 30
RATE_WINDOW_SECONDS = 3600

# The confirmation link proves who filed the notice without an account; it is valid this long.
SENT_LINK_MAX_AGE = 90 * 24 * 3600
_SENT_SALT = "complaints.dmca.sent"


def _same_name(a: str, b: str) -> bool:
    """Whether two typed names are the same, ignoring case, spacing and Unicode width forms."""
    def key(name: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()
    return bool(key(a)) and key(a) == key(b)


# --- Services ----------------------------------------------------------------------------------

def dmca_notice_file(*, platform_code: str, reason: str, urls_text: str, full_name: str, company: str = "",
                     email: str, phone: str, address: str, work_description: str, signature: str,
                     good_faith: bool, accuracy: bool, statements_text: str, language: str = "en",
                     submitted_ip: str | None = None, user_agent: str = "") -> DmcaNotice:
    """File a DMCA notice: the complaint, its notice and one item per listing, all saved or none.

    Raises ``FilingRefused`` whose ``errors`` map each input (the form's field names) to its
    messages, and ``urls`` to one ``UrlProblem`` per bad line, as ``complaint_file`` does. On
    success the notifier is sent an acknowledgement with the reference once the transaction commits.
    """
    contact = {"full_name": full_name, "email": email, "phone": phone, "address": address,
               "work_description": work_description, "signature": signature}
    errors: dict[str, list] = {name: [ELEMENT_MISSING[name]] for name, value in contact.items() if not value.strip()}
    if "email" not in errors:
        try:
            validate_email(email.strip())
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    if "signature" not in errors and "full_name" not in errors and not _same_name(signature, full_name):
        errors["signature"] = [_("The signature must be your full legal name exactly as given above.")]
    for name, made in (("good_faith", good_faith), ("accuracy", accuracy)):
        if not made:
            errors[name] = [ELEMENT_MISSING[name]]
    if reason not in reasons_for("copyright"):
        errors["reason"] = [_("Choose what is infringed: a DMCA notice is about copyright.")]
    platform = Platform.objects.filter(code=platform_code, is_active=True).first()
    check = None
    if platform is None:
        errors["platform"] = [_("Choose a platform that accepts complaints.")]
    elif not urls_text.strip():
        errors["urls"] = [UrlProblem(1, "", "invalid_url", str(ELEMENT_MISSING["urls"]))]
    else:
        check = listings_check(platform=platform, text=urls_text, complainant=None)
        if check.problems:
            errors["urls"] = check.problems
    now = timezone.now()
    notice = DmcaNotice(
        full_name=" ".join(full_name.split()), company=company.strip(), email=email.strip(), phone=phone.strip(),
        address=address.strip(), work_description=work_description.strip(), signature=signature.strip(),
        statements_text=statements_text, language=language if language in dict(settings.LANGUAGES) else "en",
        due_on=workdays.due_date(now, settings.IPP_REVIEW_DUE_WORKING_DAYS),
        submitted_ip=submitted_ip, user_agent=user_agent[:300])
    try:
        notice.full_clean(exclude=["complaint", *errors])  # lengths, for callers other than the form
    except ValidationError as invalid:
        errors.update(invalid.message_dict)
    if errors:
        raise FilingRefused(errors)
    with transaction.atomic():
        notice.complaint = Complaint.objects.create(
            complainant=None, ipr=None, platform=platform, reason=reason, urls_text=urls_text,
            good_faith_statement=True, accuracy_statement=True, status=Complaint.Status.OPEN,
            source=Complaint.Source.DMCA, submitted_at=now)
        notice.save()
        complaint_items_add(notice.complaint, check, actor=None)
        enqueue("complaints.tasks.send_dmca_mail", notice.pk, "received")
    return notice


def _decide(notice_id: int, *, reviewer: User, status: str, reason: str = "", note: str = "") -> DmcaNotice:
    """Record the decision on a pending notice, once; a notice decided meanwhile raises ``ReviewConflict``."""
    notice = DmcaNotice.objects.select_for_update().filter(pk=notice_id).first()
    if notice is None or notice.status != DmcaNotice.Status.PENDING:
        raise ReviewConflict
    notice.status = status
    notice.rejection_reason = reason
    notice.decided_by = reviewer
    notice.decided_at = timezone.now()
    notice.decision_note = note
    notice.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at", "decision_note"])
    enqueue("complaints.tasks.send_dmca_mail", notice.pk, "decision")
    return notice


@transaction.atomic
def dmca_notice_verify(*, notice_id: int, reviewer: User, note: str = "") -> DmcaNotice:
    """The notifier's identity is checked: its items go on to the normal review."""
    notice = _decide(notice_id, reviewer=reviewer, status=DmcaNotice.Status.VERIFIED, note=note)
    enqueue("complaints.tasks.start_review", notice.complaint_id)
    return notice


@transaction.atomic
def dmca_notice_reject(*, notice_id: int, reviewer: User, reason: str, note: str = "") -> DmcaNotice:
    """Reject the notice at intake: every item still open is rejected (with its event) and the notifier told why."""
    if reason not in DmcaNotice.RejectionReason.values:
        raise ValueError(f"unknown rejection reason {reason!r}")
    notice = _decide(notice_id, reviewer=reviewer, status=DmcaNotice.Status.REJECTED, reason=reason, note=note)
    rejectable = [state for state in State if workflow.can_move(state, State.REJECTED)]
    for item_id in notice.complaint.items.filter(state__in=rejectable).order_by("pk").values_list("pk", flat=True):
        workflow.item_move(item_id=item_id, to_state=State.REJECTED, actor=reviewer, reason=f"dmca_{reason}", note=note)
    complaint_status_refresh([notice.complaint_id])
    return notice


def dmca_notice_mail(*, notice_id: int, kind: str) -> None:
    """Email the notifier: the acknowledgement (``kind="received"``) or the identity check's outcome."""
    notice = DmcaNotice.objects.select_related("complaint__platform").filter(pk=notice_id).first()
    if notice is None or (kind == "decision" and notice.status == DmcaNotice.Status.PENDING):
        return
    template = "complaints/email/dmca_received" if kind == "received" else "complaints/email/dmca_decision"
    send_to_addresses([notice.email], language=notice.language, template=template,
                      context={"notice": notice, "complaint": notice.complaint})


# --- Reads -------------------------------------------------------------------------------------

def dmca_queue() -> QuerySet[DmcaNotice]:
    """Notices whose sender's identity is still to be checked, oldest first."""
    return (DmcaNotice.objects.filter(status=DmcaNotice.Status.PENDING).select_related("complaint__platform")
            .annotate(listings=Count("complaint__items")).order_by("complaint__submitted_at", "pk"))


def sent_token(notice: DmcaNotice) -> str:
    return signing.dumps(notice.pk, salt=_SENT_SALT)


# --- The form ----------------------------------------------------------------------------------

class DmcaNoticeForm(forms.Form):
    """The six elements of a DMCA notice, each required; the rules beyond presence are the service's."""

    full_name = forms.CharField(label=gettext_lazy("Full legal name"), max_length=200,
                                error_messages={"required": ELEMENT_MISSING["full_name"]})
    company = forms.CharField(label=gettext_lazy("Company (if you act for one)"), max_length=200, required=False)
    email = forms.EmailField(label=gettext_lazy("Email"), error_messages={"required": ELEMENT_MISSING["email"]})
    phone = forms.CharField(label=gettext_lazy("Telephone"), max_length=40,
                            error_messages={"required": ELEMENT_MISSING["phone"]})
    address = forms.CharField(label=gettext_lazy("Postal address"), max_length=500,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": ELEMENT_MISSING["address"]})
    work_description = forms.CharField(
        label=gettext_lazy("The copyrighted work"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Identify the work you say is infringed: its title, what it is, and where the original "
                               "can be seen (its web address or registration number, if it has one)."),
        error_messages={"required": ELEMENT_MISSING["work_description"]})
    platform = forms.ModelChoiceField(label=gettext_lazy("Marketplace"), queryset=Platform.objects.none(),
                                      empty_label="—")
    reason = forms.ChoiceField(label=gettext_lazy("What is infringed"))
    urls = forms.CharField(
        label=gettext_lazy("Where the infringing material is"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("The product pages on that marketplace, one address per line."),
        error_messages={"required": ELEMENT_MISSING["urls"]})
    good_faith = forms.BooleanField(label=GOOD_FAITH_STATEMENT, error_messages={"required": ELEMENT_MISSING["good_faith"]})
    accuracy = forms.BooleanField(label=ACCURACY_STATEMENT, error_messages={"required": ELEMENT_MISSING["accuracy"]})
    signature = forms.CharField(
        label=gettext_lazy("Electronic signature"), max_length=200,
        help_text=gettext_lazy("Type your full legal name, as above: it signs this notice."),
        error_messages={"required": ELEMENT_MISSING["signature"]})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = Platform.objects.filter(is_active=True)
        self.fields["reason"].choices = [("", "—")] + [(reason.value, reason.label) for reason in reasons_for("copyright")]

    def add_refusal(self, errors: dict[str, list]) -> list[UrlProblem]:
        """Put the service's refusal on the form; the listings' problems, one per line, are returned for their table."""
        url_problems = list(errors.get("urls", []))
        if url_problems:
            self.add_error("urls", ngettext("%(n)s line needs correcting.", "%(n)s lines need correcting.",
                                            len(url_problems)) % {"n": len(url_problems)})
        for name, problems in errors.items():
            if name != "urls":
                for problem in problems:
                    self.add_error(name if name in self.fields else None, str(problem))
        return url_problems

    def notice_fields(self) -> dict:
        """The cleaned form as ``dmca_notice_file`` takes it, with the statements in the words shown."""
        data = self.cleaned_data
        return {
            "platform_code": data["platform"].code, "reason": data["reason"], "urls_text": data["urls"],
            "full_name": data["full_name"], "company": data["company"], "email": data["email"],
            "phone": data["phone"], "address": data["address"], "work_description": data["work_description"],
            "signature": data["signature"], "good_faith": data["good_faith"], "accuracy": data["accuracy"],
            "statements_text": f"{GOOD_FAITH_STATEMENT}\n\n{ACCURACY_STATEMENT}",
        }


# --- Pages -------------------------------------------------------------------------------------

def _hit(key: str) -> int:
    """Count one hit on ``key`` in its window (which starts at the first hit and is never extended); hits so far."""
    if cache.add(key, 1, RATE_WINDOW_SECONDS):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add and incr: this hit opens the next one
        cache.add(key, 1, RATE_WINDOW_SECONDS)
        return 1


@require_http_methods(["GET", "POST"])
def dmca_notice(request):
    """The public form: no account needed."""
    form = DmcaNoticeForm(request.POST or None)
    url_problems: list[UrlProblem] = []
    if request.method == "POST":
        where = client_ip(request) or "unknown"
        notices_key = f"dmca:notices:{where}"
        if _hit(f"dmca:attempts:{where}") > ATTEMPTS_PER_HOUR or (cache.get(notices_key) or 0) >= NOTICES_PER_HOUR:
            return render(request, "complaints/dmca_form.html", {"form": form, "rate_limited": True}, status=429)
        if form.is_valid():
            try:
                notice = dmca_notice_file(**form.notice_fields(), language=translation.get_language() or "en",
                                          submitted_ip=client_ip(request),
                                          user_agent=request.headers.get("User-Agent", ""))
            except FilingRefused as refused:
                url_problems = form.add_refusal(refused.errors)
            else:
                _hit(notices_key)
                return redirect("dmca_sent", token=sent_token(notice))
    return render(request, "complaints/dmca_form.html", {"form": form, "url_problems": url_problems},
                  status=400 if request.method == "POST" else 200)


@require_GET
def dmca_sent(request, token: str):
    """The notifier's confirmation: its own notice's reference, reachable only with the signed link."""
    try:
        notice_id = signing.loads(token, salt=_SENT_SALT, max_age=SENT_LINK_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    notice = get_object_or_404(DmcaNotice.objects.select_related("complaint__platform")
                               .annotate(listings=Count("complaint__items")), pk=notice_id)
    return render(request, "complaints/dmca_sent.html", {"notice": notice, "complaint": notice.complaint})


@reviewer_required
@require_http_methods(["GET", "POST"])
def review_dmca(request, pk):
    notice = get_object_or_404(DmcaNotice.objects.select_related("complaint__platform", "decided_by"), pk=pk)
    return review_page(
        request, submission=notice, reasons=DmcaNotice.RejectionReason.choices,
        approve=lambda note: dmca_notice_verify(notice_id=notice.pk, reviewer=request.user, note=note),
        reject=lambda reason, note: dmca_notice_reject(notice_id=notice.pk, reviewer=request.user, reason=reason,
                                                       note=note),
        template="complaints/review_dmca.html", queue_tab="dmca",
        context={"notice": notice, "complaint": notice.complaint,
                 "items": list(notice.complaint.items.select_related("listing__shop").order_by("pk"))},
    )
