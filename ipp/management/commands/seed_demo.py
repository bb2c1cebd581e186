"""Demo data: the accounts the README lists. Idempotent; refused in production."""

import datetime as dt
import io

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from PIL import Image, ImageDraw

from accounts import services
from accounts.models import IdentityProof, User
from ipp.documents import PNG, CheckedUpload

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


class Command(BaseCommand):
    help = "Create the demo accounts (password ipp-demo-2026). Runs only with DEBUG on or --demo."

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
        self.stdout.write(self.style.SUCCESS(f"Demo accounts ready (password {DEMO_PASSWORD})."))

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
