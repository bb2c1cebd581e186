"""Shared fixtures: users built through the real services, and sample files."""

import io
import os
import shutil

import pytest
from django.conf import settings
from PIL import Image

from accounts import services
from accounts.models import User
from ipp.documents import PDF, PNG, CheckedUpload

PASSWORD = "correct-horse-battery-staple"


def pytest_collection_modifyitems(config, items):
    """Skip tests whose service is missing, naming why; in CI a missing service is an error instead."""
    require = os.environ.get("IPP_REQUIRE_SERVICES") == "1"
    missing = {
        "postgres": None if settings.USING_POSTGRES else "PostgreSQL is not answering (running on SQLite)",
        "redis": None if settings.USING_REDIS else f"Redis is not answering at {settings.TEST_REDIS_URL}",
        "browser": None if shutil.which("chromium") or os.path.exists("/usr/bin/chromium")
        else "Debian's chromium is not installed (apt-get install chromium)",
    }
    for item in items:
        for marker, reason in missing.items():
            if reason and marker in item.keywords:
                if require:
                    raise pytest.UsageError(f"{item.nodeid} needs {marker}: {reason}")
                item.add_marker(pytest.mark.skip(reason=reason))


def png_bytes(width=64, height=48, color="navy", exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), color)
    image.save(out, format="PNG" if exif is None else "JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def checked_png(name="id.png") -> CheckedUpload:
    return CheckedUpload(content=png_bytes(), content_type=PNG, original_name=name)


def checked_pdf(name="certificate.pdf") -> CheckedUpload:
    return CheckedUpload(content=pdf_bytes(), content_type=PDF, original_name=name)


def make_user(email, *, role=User.Role.RIGHTS_HOLDER, name=None, category=User.RegistrantCategory.INDIVIDUAL,
              identity=User.Identity.OWNER, verified_by=None) -> User:
    """A user as sign-up makes it; with ``verified_by`` (a reviewer) its identity is verified too."""
    from allauth.account.models import EmailAddress

    user = User(email=email, role=role)
    user.set_password(PASSWORD)
    if role == User.Role.RIGHTS_HOLDER:
        services.user_complete_signup(user=user, complainant_name=name or email.split("@")[0].title(), location="CN",
                                      identity=identity, registrant_category=category)
    else:
        user.complainant_name = name or email.split("@")[0].title()
        user.is_staff = user.is_superuser = role == User.Role.ADMIN  # as the seed makes them
        user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if verified_by is not None:
        kind = "business_registration" if category == User.RegistrantCategory.ENTITY else "passport"
        import datetime as dt

        proof = services.identity_submit(user=user, document_kind=kind, document_number="X1234567",
                                         expires_on=dt.date(2031, 1, 1) if kind == "passport" else None,
                                         document=checked_png())
        services.identity_approve(proof_id=proof.pk, reviewer=verified_by)
    return user


@pytest.fixture
def reviewer(db):
    return make_user("reviewer@example.com", role=User.Role.REVIEWER)


@pytest.fixture
def admin_user(db):
    return make_user("admin@example.com", role=User.Role.ADMIN)


@pytest.fixture
def seller(db):
    return make_user("seller@example.com", role=User.Role.SELLER)


@pytest.fixture
def holder(db, reviewer):
    """A verified rights holder (business entity, owner)."""
    return make_user("holder@example.com", name="Acme Ltd", category=User.RegistrantCategory.ENTITY, verified_by=reviewer)


@pytest.fixture
def newcomer(db):
    """A rights holder who signed up but has not proved its identity."""
    return make_user("new@example.com", name="Lin Mei")
