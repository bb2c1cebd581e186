"""Filing a complaint: which rights may be used where, which reasons go with which right,
what a filed complaint holds, and withdrawing it.

Everything goes through ``complaints.services.complaint_file``; rights are approved through
the IPR services. Time moves by patching "today in China", which every rule here reads.
"""

import datetime as dt

import pytest

from accounts.models import User
from complaints import services
from complaints.models import (
    Complaint,
    ComplaintEvidence,
    ComplaintItem,
    ComplaintItemEvent,
    Platform,
)
from ipp import workdays
from ipp.models import Document
from ipr import services as ipr_services
from ipr.models import IPR

from .conftest import approve_ipr, checked_pdf, complaint_items, make_ipr, make_listing, make_user

State = ComplaintItem.State
TODAY = workdays.today_in_china()
CHINA_ONLY = ["taobao", "tmall", "tmallhk", "1688"]
FOREIGN_OK = ["alibaba", "aliexpress", "lazada"]

# The domain's table (domain.md, "Complaints"), written out here rather than read from the code under test.
ALLOWED_REASONS = {
    "trademark": {"counterfeit", "trademark_misuse"},
    "copyright": {"pirated", "unauthorized_content", "image_misuse", "text_misuse"},
    "patent": {"patent_infringement"},
    "other": {"other"},
}


def file(user, ipr, *, listings, platform="taobao", reason="counterfeit", urls_text=None, **extra) -> Complaint:
    return services.complaint_file(
        user=user, platform_code=platform, ipr_id=ipr.pk if ipr else None, reason=reason,
        urls_text=urls_text if urls_text is not None else "\n".join(listing.url for listing in listings),
        statements=extra.pop("statements", True), **extra)


def refused(**kwargs) -> dict[str, list]:
    with pytest.raises(services.FilingRefused) as caught:
        file(**kwargs)
    return caught.value.errors


def right(user, reviewer, *, number="30000001", **fields) -> IPR:
    return approve_ipr(make_ipr(user, number=number, **fields), reviewer=reviewer)


@pytest.fixture
def travel(monkeypatch):
    """Move "today in China" ``days`` ahead for every rule that reads it."""
    def to(days: int) -> None:
        monkeypatch.setattr(workdays, "today_in_china", lambda: TODAY + dt.timedelta(days=days))
    return to


# --- Where a right may be used ------------------------------------------------------------------------

@pytest.mark.parametrize("platform", CHINA_ONLY + FOREIGN_OK)
def test_chinese_marketplaces_take_only_rights_registered_in_china_the_others_take_foreign_ones(
        holder, reviewer, platform):
    rights = {where: right(holder, reviewer, number=f"3000000{n}", jurisdiction=where)
              for n, where in enumerate(["CN", "US", "EU"])}
    name = Platform.objects.get(code=platform).name
    assert file(holder, rights["CN"], platform=platform, listings=[make_listing(platform)]).status == "open"
    for where, registered_in in [("US", "United States"), ("EU", "European Union")]:
        listing = make_listing(platform)
        if platform in CHINA_ONLY:
            errors = refused(user=holder, ipr=rights[where], platform=platform, listings=[listing])
            assert list(errors) == ["ipr"]
            assert errors["ipr"][0].startswith(f"{name} accepts only rights valid in China")
            assert registered_in in errors["ipr"][0]
        else:
            assert file(holder, rights[where], platform=platform, listings=[listing]).ipr == rights[where]


def test_the_admins_china_setting_decides_for_each_platform(holder, reviewer):
    us_mark = right(holder, reviewer, jurisdiction="US")
    Platform.objects.filter(code="lazada").update(requires_china_rights=True)
    Platform.objects.filter(code="taobao").update(requires_china_rights=False)
    errors = refused(user=holder, ipr=us_mark, platform="lazada", listings=[make_listing("lazada")])
    assert "Lazada accepts only rights valid in China" in errors["ipr"][0]
    assert file(holder, us_mark, platform="taobao", listings=[make_listing("taobao")]).status == "open"


# --- Which reason goes with which right -----------------------------------------------------------------

def test_each_kind_of_right_offers_the_domains_reasons():
    assert {kind: {str(reason) for reason in services.reasons_for(kind)} for kind in ALLOWED_REASONS} == ALLOWED_REASONS


@pytest.mark.parametrize("kind", list(ALLOWED_REASONS))
@pytest.mark.parametrize("reason", [code for code, _label in Complaint.Reason.choices])
def test_a_complaint_files_only_with_a_reason_its_kind_of_right_supports(holder, reviewer, kind, reason):
    ipr = right(holder, reviewer, kind=kind)
    listing = make_listing()
    if reason in ALLOWED_REASONS[kind]:
        complaint = file(holder, ipr, reason=reason, listings=[listing])
        assert (complaint.reason, complaint.ipr.kind) == (reason, kind)
    else:
        errors = refused(user=holder, ipr=ipr, reason=reason, listings=[listing])
        assert list(errors) == ["reason"]
        assert errors["reason"][0].startswith(
            f"This reason does not apply to this kind of right ({ipr.get_kind_display().lower()}); use one of: ")
        assert set(errors["reason"][0].split("use one of: ")[1].rstrip(".").split(", ")) == ALLOWED_REASONS[kind]


# --- Rights that cannot support a complaint -------------------------------------------------------------

def test_a_right_still_pending_authentication_cannot_be_used(holder):
    ipr = ipr_services.ipr_submit(ipr=make_ipr(holder), user=holder)
    errors = refused(user=holder, ipr=ipr, listings=[make_listing()])
    assert errors == {"ipr": ["Not authenticated (pending authentication)."]}


def test_a_failed_right_cannot_be_used(holder, reviewer):
    ipr = ipr_services.ipr_submit(ipr=make_ipr(holder), user=holder)
    ipr = ipr_services.ipr_fail(ipr_id=ipr.pk, reviewer=reviewer, reason="illegible")
    assert refused(user=holder, ipr=ipr, listings=[make_listing()]) == {"ipr": ["Not authenticated (failed)."]}


def test_a_right_whose_authentication_was_withdrawn_cannot_be_used(holder, reviewer):
    ipr = ipr_services.ipr_withdraw(ipr_id=right(holder, reviewer).pk, actor=reviewer)
    errors = refused(user=holder, ipr=ipr, listings=[make_listing()])
    assert errors == {"ipr": ["Not authenticated (authentication withdrawn)."]}


def test_a_right_past_its_expiry_date_cannot_be_used_even_before_the_nightly_sweep(holder, reviewer, travel):
    ipr = right(holder, reviewer, expires_on=TODAY + dt.timedelta(days=10))
    listing = make_listing()
    travel(11)
    errors = refused(user=holder, ipr=ipr, listings=[listing])
    assert errors == {"ipr": [f"Expired on {ipr.expires_on.isoformat()}."]}


def test_another_accounts_right_is_refused_as_if_it_did_not_exist(holder, reviewer):
    other = make_user("brand@example.org", name="Other Brand GmbH", verified_by=reviewer)
    theirs = right(other, reviewer)
    listing = make_listing()
    errors = refused(user=holder, ipr=theirs, listings=[listing])
    assert errors == {"ipr": ["Choose one of your approved IP rights."]}
    missing = IPR(pk=theirs.pk + 1000)
    assert refused(user=holder, ipr=missing, listings=[listing]) == errors
    assert not Complaint.objects.exists()


def test_an_agents_right_files_until_the_last_day_of_its_letter_and_not_after(reviewer, travel):
    agent = make_user("agent@example.com", name="Brand Agency Co", identity=User.Identity.AGENT, verified_by=reviewer)
    ipr = approve_ipr(make_ipr(agent, owner_name="Acme Ltd"), reviewer=reviewer,
                      letter_until=TODAY + dt.timedelta(days=30))
    travel(30)
    assert file(agent, ipr, listings=[make_listing()]).status == "open"
    travel(31)
    errors = refused(user=agent, ipr=ipr, listings=[make_listing()])
    assert errors == {"ipr": ["Its authorisation letter does not authorise complaints today."]}


def test_the_right_picker_lists_usable_rights_first_with_why_the_others_cannot_be_used(holder, reviewer):
    pending = ipr_services.ipr_submit(ipr=make_ipr(holder, name="ZETA", number="30000009"), user=holder)
    us_mark = right(holder, reviewer, name="ACME", number="30000002", jurisdiction="US")
    cn_mark = right(holder, reviewer, name="BETA", number="30000003")
    rows = services.iprs_for_filing(holder, platform=Platform.objects.get(code="tmall"), on=TODAY)
    assert [(ipr.pk, problem is None) for ipr, problem in rows] == [(cn_mark.pk, True), (us_mark.pk, False),
                                                                   (pending.pk, False)]
    assert "Tmall accepts only rights valid in China" in rows[1][1]


# --- The filer, and refusing all of it ------------------------------------------------------------------

def test_a_filer_whose_identity_is_not_verified_is_refused_for_the_whole_complaint(newcomer):
    errors = refused(user=newcomer, ipr=None, listings=[make_listing()])
    assert errors["__all__"] == ["Your identity is not verified yet: upload a proof of identity."]


def test_every_problem_is_reported_at_once(holder, reviewer):
    ipr = right(holder, reviewer)
    listing = make_listing()
    errors = refused(user=holder, ipr=ipr, reason="pirated", urls_text=f"{listing.url}\nhttps://s.taobao.com/search?q=x",
                     listings=[], statements=False)
    assert set(errors) == {"reason", "urls", "statements"}
    assert [(problem.line, problem.code) for problem in errors["urls"]] == [(2, "not_product_page")]


def test_a_refused_filing_writes_nothing(holder, reviewer):
    ipr = right(holder, reviewer)
    good = make_listing()
    before = (Complaint.objects.count(), ComplaintItem.objects.count(), ComplaintItemEvent.objects.count(),
              ComplaintEvidence.objects.count(), Document.objects.filter(purpose="evidence").count())
    refused(user=holder, ipr=ipr, urls_text=f"{good.url}\nhttps://item.taobao.com/item.htm?id=1",
            listings=[], evidence=[checked_pdf("test-purchase.pdf")])
    after = (Complaint.objects.count(), ComplaintItem.objects.count(), ComplaintItemEvent.objects.count(),
             ComplaintEvidence.objects.count(), Document.objects.filter(purpose="evidence").count())
    assert after == before


# --- A filed complaint ----------------------------------------------------------------------------------

def test_a_filed_complaint_has_one_submitted_item_per_listing_each_reachable_to_its_seller(holder, reviewer, seller):
    ipr = right(holder, reviewer)
    first, second = make_listing(owner=seller), make_listing(owner=seller)
    elsewhere = make_listing(shop_name="Lucky Star Trading")
    variant = f"item.taobao.com/item.htm?spm=a21bo&id={second.listing_id}&ns=1"
    complaint = file(holder, ipr, urls_text=f"{first.url}\n\n{variant}\n{elsewhere.url}", listings=[],
                     description="Test purchase: the logo is misprinted.", evidence=[checked_pdf("test-purchase.pdf")],
                     source=Complaint.Source.PORTAL)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.complainant, complaint.source) == ("open", holder, "portal")
    assert complaint.submitted_at and complaint.good_faith_statement and complaint.accuracy_statement
    items = list(complaint.items.select_related("listing__shop__owner"))
    assert [(item.listing, item.state) for item in items] == [(first, "submitted"), (second, "submitted"),
                                                               (elsewhere, "submitted")]
    assert items[1].listing_url == "https://" + variant  # the address as given, kept as a link
    assert [item.listing.shop.owner for item in items] == [seller, seller, None]
    events = ComplaintItemEvent.objects.filter(item__complaint=complaint)
    assert sorted(events.values_list("item_id", "actor", "from_state", "to_state", "reason")) == [
        (item.pk, holder.pk, "", "submitted", "filed") for item in items]
    evidence = complaint.evidence.get().document
    assert (evidence.owner, evidence.purpose, evidence.original_name) == (holder, "evidence", "test-purchase.pdf")


def test_an_address_longer_than_the_column_files_with_the_listings_canonical_address(holder, reviewer):
    listing = make_listing()
    pasted = f"{listing.url}&spm={'a' * 600}"
    complaint = file(holder, right(holder, reviewer), urls_text=pasted, listings=[])
    assert complaint.items.get().listing_url == listing.url


# --- Withdrawing --------------------------------------------------------------------------------------

@pytest.fixture
def three(holder, reviewer) -> Complaint:
    return file(holder, right(holder, reviewer), listings=[make_listing(), make_listing(), make_listing()])


def states(complaint) -> list[str]:
    return list(complaint.items.values_list("state", flat=True))


def test_withdrawing_some_items_keeps_the_complaint_open(holder, three):
    first = three.items.first()
    moved = services.complaint_withdraw(user=holder, complaint=three, item_ids=[first.pk], note="Settled")
    assert [item.pk for item in moved] == [first.pk]
    assert states(three) == ["withdrawn", "submitted", "submitted"]
    assert Complaint.objects.get(pk=three.pk).status == "open"
    assert list(first.events.filter(to_state="withdrawn").values_list("actor", "from_state", "reason", "note")) == [
        (holder.pk, "submitted", "withdrawn_by_complainant", "Settled")]


def test_withdrawing_every_item_withdraws_the_complaint(holder, three):
    services.complaint_withdraw(user=holder, complaint=three, item_ids=[three.items.first().pk])
    assert len(services.complaint_withdraw(user=holder, complaint=three)) == 2
    assert states(three) == ["withdrawn"] * 3
    assert Complaint.objects.get(pk=three.pk).status == "withdrawn"


def test_decided_items_keep_their_outcome_when_the_complaint_is_withdrawn(holder, reviewer):
    taken_down, rejected, pending = complaint_items(right(holder, reviewer), "taken_down", "rejected", "in_review")
    complaint = pending.complaint
    moved = services.complaint_withdraw(user=holder, complaint=complaint)
    assert [item.pk for item in moved] == [pending.pk]
    assert states(complaint) == ["taken_down", "rejected", "withdrawn"]
    assert Complaint.objects.get(pk=complaint.pk).status == "closed"  # decided, not all withdrawn


def test_withdrawing_when_nothing_can_go_any_more_is_refused_and_changes_nothing(holder, reviewer):
    decided, submitted = complaint_items(right(holder, reviewer), "taken_down", "submitted")
    with pytest.raises(services.NothingToWithdraw):
        services.complaint_withdraw(user=holder, complaint=decided.complaint, item_ids=[decided.pk])
    assert states(decided.complaint) == ["taken_down", "submitted"]
    services.complaint_withdraw(user=holder, complaint=decided.complaint)
    with pytest.raises(services.NothingToWithdraw):
        services.complaint_withdraw(user=holder, complaint=decided.complaint)


def test_a_complaint_whose_other_items_are_on_hold_stays_open_after_a_withdrawal(holder, reviewer):
    ipr = right(holder, reviewer)
    complaint = file(holder, ipr, listings=[make_listing(), make_listing()])
    ipr_services.ipr_withdraw(ipr_id=ipr.pk, actor=reviewer)  # both items held until it is authenticated again
    services.complaint_withdraw(user=holder, complaint=complaint, item_ids=[complaint.items.first().pk])
    assert states(complaint) == ["withdrawn", "held"]
    assert Complaint.objects.get(pk=complaint.pk).status == "open"
