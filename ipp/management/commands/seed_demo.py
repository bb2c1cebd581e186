"""Demo data: the accounts the README lists and the listings catalogue. Idempotent; refused in production."""

import datetime as dt
import io

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from PIL import Image, ImageDraw

from accounts import services
from accounts.models import IdentityProof, User
from complaints import services as complaint_services
from complaints.demo_catalogue import DEMO_SHOP_ID, DEMO_SHOP_NAME, catalogue_seed
from complaints.models import Complaint, Listing
from ipp.documents import PNG, CheckedUpload
from ipp.workdays import today_in_china
from ipr import services as ipr_services
from ipr.models import IPR

DEMO_PASSWORD = "ipp-demo-2026"  # noqa: S105 - published in the README, demo only


def _demo_document(title: str, lines: list[str]) -> CheckedUpload:
    """A PNG that looks enough like a scanned certificate for demos and screenshots."""
    image = Image.new("RGB", (900, 620), "#fbfaf5")
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 880, 600], outline="#8a6d3b", width=4)
    draw.text((60, 60), title.upper(), fill="#5a4320", font_size=34)
    for index, line in enumerate(lines):
        draw.text((60, 150 + index * 48), line, fill="#222", font_size=24)
    draw.ellipse([660, 420, 840, 580], outline="#c0392b", width=5)
    draw.text((700, 485), "SPECIMEN", fill="#c0392b", font_size=22)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return CheckedUpload(content=out.getvalue(), content_type=PNG, original_name=f"{title.lower().replace(' ', '-')}.png")


ACCOUNTS = [
    # email, role, identity, category, name, country, verified
    ("holder@demo.test", User.Role.RIGHTS_HOLDER, User.Identity.OWNER, User.RegistrantCategory.ENTITY,
     "Demo Brand Co., Ltd.", "CN", True),
    ("agent@demo.test", User.Role.RIGHTS_HOLDER, User.Identity.AGENT, User.RegistrantCategory.ENTITY,
     "Demo Brand Protection LLP", "SG", True),
    ("newbrand@demo.test", User.Role.RIGHTS_HOLDER, User.Identity.OWNER, User.RegistrantCategory.INDIVIDUAL,
     "Lin Mei", "CN", False),
    ("reviewer@demo.test", User.Role.REVIEWER, "", "", "Demo Reviewer", "CN", None),
    ("admin@demo.test", User.Role.ADMIN, "", "", "Demo Admin", "CN", None),
    ("seller@demo.test", User.Role.SELLER, "", "", "Demo Shop", "CN", None),
]


# Every state IPR Management can show: approved rights of each kind, one failed, one pending.
DEMO_RIGHTS = {
    "holder@demo.test": [
        dict(kind="trademark", outcome="approved", name="DEMOBRAND", number="30112233", jurisdiction="CN",
             owner_name="Demo Brand Co., Ltd.", registered_on=dt.date(2019, 3, 14), expires_on=dt.date(2029, 3, 13),
             classes=[(25, "Clothing; footwear; headgear; sportswear; socks")]),
        dict(kind="trademark", outcome="approved", name="DEMOBRAND", number="5987654", jurisdiction="US",
             owner_name="Demo Brand Co., Ltd.", registered_on=dt.date(2020, 8, 4), expires_on=dt.date(2030, 8, 4),
             classes=[(14, "Jewellery; watches; precious stones; key rings")]),
        dict(kind="patent", outcome="approved", name="Collapsible water bottle", number="ZL202130123456.7",
             jurisdiction="CN", owner_name="Demo Brand Co., Ltd.", patent_type="design",
             registered_on=dt.date(2021, 9, 1), expires_on=dt.date(2036, 5, 10), attachment="evaluation_report"),
        dict(kind="copyright", outcome="approved", name="Panda mascot artwork", number="2022-F-00012345",
             jurisdiction="CN", owner_name="Demo Brand Co., Ltd.", work_kind="artwork",
             registered_on=dt.date(2022, 2, 18), attachment="work_sample"),
        dict(kind="trademark", outcome="failed", name="DEMOBRAND KIDS", number="018765432", jurisdiction="EU",
             owner_name="Demo Brand Co., Ltd.", registered_on=dt.date(2023, 1, 9), expires_on=dt.date(2033, 1, 9),
             classes=[(28, "Toys; games")], reason="data_mismatch",
             note="The certificate shows registration number 018765423; the record says 018765432."),
        dict(kind="patent", outcome="pending", name="Bottle cap with straw", number="ZL202420987654.3",
             jurisdiction="CN", owner_name="Demo Brand Co., Ltd.", patent_type="utility_model",
             registered_on=dt.date(2024, 11, 5), expires_on=dt.date(2034, 6, 2)),
    ],
    "agent@demo.test": [
        dict(kind="trademark", outcome="approved", name="NORTHWIND", number="017001234", jurisdiction="EU",
             owner_name="Northwind Outdoor GmbH", registered_on=dt.date(2018, 6, 1), expires_on=dt.date(2028, 6, 1),
             classes=[(25, "Outdoor clothing; hiking boots"), (22, "Tents; tarpaulins")], letter=True),
    ],
}


class Command(BaseCommand):
    help = ("Create the demo accounts (password ipp-demo-2026) and the listings catalogue. "
            "Runs only with DEBUG on or --demo.")

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Seed even with DEBUG off (never in production)")

    def handle(self, *args, demo=False, **options):
        if not (settings.DEBUG or demo):
            raise CommandError("Refusing to seed demo accounts with DEBUG off; pass --demo if this is not production.")
        with transaction.atomic():
            reviewer = self._user("reviewer@demo.test", User.Role.REVIEWER, "", "", "Demo Reviewer", "CN")
            for email, role, identity, category, name, country, verified in ACCOUNTS:
                user = self._user(email, role, identity, category, name, country)
                if verified is not None and not IdentityProof.objects.filter(user=user).exists():
                    self._identity(user, reviewer, verify=verified)
            for email, rights in DEMO_RIGHTS.items():
                user = User.objects.get(email=email)
                if not IPR.objects.filter(filed_by=user).exists():
                    for right in rights:
                        self._right(user, reviewer, **right)
            for row in catalogue_seed(seller=User.objects.get(email="seller@demo.test")):
                self.stdout.write(f"  catalogue {row.platform.name}: {row.listings} listings in {row.shops} shops, "
                                  f"{row.in_demo_shop} in {DEMO_SHOP_NAME} ({row.added} added)")
            self._workflow(holder=User.objects.get(email="holder@demo.test"), reviewer=reviewer,
                           seller=User.objects.get(email="seller@demo.test"))
        self.stdout.write(self.style.SUCCESS(f"Demo accounts ready (password {DEMO_PASSWORD})."))

    def _right(self, user: User, reviewer: User, *, kind, outcome, classes=(), attachment=None, letter=False,
               reason="", note="", **fields) -> None:
        facts = [f"Owner: {fields['owner_name']}", f"No.: {fields['number']}", f"Office: {fields['jurisdiction']}"]
        if fields.get("expires_on"):
            facts.append(f"Valid until: {fields['expires_on'].isoformat()}")
        ipr = ipr_services.ipr_save(
            user=user, kind=kind, fields=fields, classes=list(classes) or None,
            certificate=_demo_document(f"{kind} certificate", [fields["name"], *facts]),
            attachments=[(attachment, _demo_document(attachment.replace("_", " "), [fields["name"]]))] if attachment else (),
        )
        if letter:
            ipr_services.ipr_upload_letter(
                ipr=ipr, user=user, scope=IPR.LetterScope.ENFORCE, valid_from=today_in_china() - dt.timedelta(days=30),
                valid_until=today_in_china() + dt.timedelta(days=335),
                letter=_demo_document("Authorisation letter", [f"{fields['owner_name']} authorises", user.complainant_name,
                                                                "to file IPR complaints on its behalf", "Signed and stamped"]))
        ipr = ipr_services.ipr_submit(ipr=ipr, user=user)
        if outcome == "approved":
            ipr_services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer, note="Demo seed")
        elif outcome == "failed":
            ipr_services.ipr_fail(ipr_id=ipr.pk, reviewer=reviewer, reason=reason, note=note)

    def _workflow(self, *, holder: User, reviewer: User, seller: User) -> None:
        """One complaint of the holder's against Demo Shop on Tmall, with an item at each step someone acts on: in
        review (the reviewer), notified (the seller), counter-noticed (the holder), awaiting a decision (the reviewer).
        Taobao is left free for the README's try-it story."""
        if Complaint.objects.filter(complainant=holder).exists():
            return
        right = IPR.objects.get(filed_by=holder, kind="trademark", jurisdiction="CN", status=IPR.Status.APPROVED)
        # The watch comes first and stays in review: a class 25 right against jewellery is one for the reviewer.
        listings = sorted(Listing.objects.filter(platform_id="tmall", shop__shop_id=DEMO_SHOP_ID,
                                                 title__contains="DEMOBRAND", status=Listing.Status.ACTIVE),
                          key=lambda listing: (listing.category not in ("Watches & jewellery",), listing.pk))[:4]
        complaint = complaint_services.complaint_file(
            user=holder, platform_code="tmall", ipr_id=right.pk, reason="counterfeit", statements=True,
            urls_text="\n".join(listing.url for listing in listings),
            description="Test purchases: no hologram label, wrong stitching, DEMOBRAND logo misspelt on the tag.",
            source=Complaint.Source.PORTAL)
        complaint_services.complaint_review_start(complaint_id=complaint.pk)
        in_review, notified, counter_noticed, in_decision = complaint.items.order_by("pk")
        for item in (notified, counter_noticed, in_decision):
            complaint_services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept",
                                                  note="DEMOBRAND logo on the product photos; class 25 goods.")
        for item in (counter_noticed, in_decision):
            complaint_services.counter_notice_file(
                seller=seller, item_id=item.pk, ground="genuine", perjury_statement=True,
                statement="Bought from an authorised DEMOBRAND distributor in Guangzhou; invoices on request.")
        complaint_services.complaint_maintain(user=holder, item_id=in_decision.pk,
                                              note="The distributor named is not on our list of authorised partners.")
        self.stdout.write(f"  demo complaint {complaint.reference}: one item at each step someone acts on")

    def _user(self, email, role, identity, category, name, country) -> User:
        user, created = User.objects.get_or_create(email=email, defaults={
            "role": role, "identity": identity, "registrant_category": category, "complainant_name": name,
            "location": country, "is_staff": role == User.Role.ADMIN, "is_superuser": role == User.Role.ADMIN,
            "agreement_version": settings.IPP_USER_AGREEMENT_VERSION,
        })
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            self.stdout.write(f"  created {email} ({user.get_role_display()})")
        return user

    def _identity(self, user: User, reviewer: User, *, verify: bool) -> None:
        if user.registrant_category == User.RegistrantCategory.ENTITY:
            kind, number, expires = IdentityProof.DocumentKind.BUSINESS_REGISTRATION, "91310000MA1FL0XX2K", None
            document = _demo_document("Business registration certificate",
                                      [f"Name: {user.complainant_name}", f"Unified social credit code: {number}",
                                       "Legal representative: Zhang Wei", "Valid: long-term"])
        else:
            kind, number, expires = IdentityProof.DocumentKind.PASSPORT, "E12345678", dt.date(2031, 5, 31)
            document = _demo_document("Passport", [f"Name: {user.complainant_name}", f"Passport No.: {number}",
                                                   "Nationality: CHN", f"Date of expiry: {expires.isoformat()}"])
        proof = services.identity_submit(user=user, document_kind=kind, document_number=number, expires_on=expires,
                                         document=document)
        if verify:
            services.identity_approve(proof_id=proof.pk, reviewer=reviewer, note="Demo seed")
