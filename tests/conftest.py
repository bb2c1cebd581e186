"""Shared fixtures: users built through the real services, and sample files."""

import contextlib
import io
import logging
import os
import shutil
from uuid import uuid4

import pytest
import redis
from celery import signals
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from kombu import pools
from kombu.utils.collections import eqhash
from PIL import Image

from accounts import services
from accounts.models import User
from ipp.celery import app
from ipp.documents import PDF, PNG, CheckedUpload

from .polling import wait_until as wait_for  # noqa: F401 (the tests import it from here)

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


# --- IP rights (issue 3): running what services enqueue, and records built through the services ---

@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """What services enqueue gets done: ``with run_tasks(): ...`` runs the on_commit callbacks
    at the end of the block and the Celery tasks they send in-process (mail lands in ``mail.outbox``)."""
    from ipp.celery import app

    app.conf.task_always_eager = True
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        app.conf.task_always_eager = False


def make_ipr(user, *, kind="trademark", **fields):
    """A draft record with what its kind needs (certificate, one Nice class, one sample), saved as the form saves it.

    Dates are relative to today in China: registered a year ago, in force for ten more years.
    """
    import datetime as dt

    from ipp.workdays import today_in_china
    from ipr import services as ipr_services

    today = today_in_china()
    values = {
        "name": "ACME", "number": "30000001", "jurisdiction": "CN", "owner_name": user.complainant_name,
        "registered_on": today - dt.timedelta(days=365),
        "expires_on": None if kind == "copyright" else today + dt.timedelta(days=3650),
        "patent_type": "invention" if kind == "patent" else "",
        "work_kind": "artwork" if kind == "copyright" else "",
        **fields,
    }
    return ipr_services.ipr_save(
        user=user, kind=kind, fields=values, certificate=checked_pdf(),
        classes=[(25, "Clothing; footwear")] if kind == "trademark" else None,
        attachments=[("work_sample", checked_png("sample.png"))] if kind == "copyright" else (),
    )


def approve_ipr(ipr, *, reviewer, letter_until=None):
    """Submit a draft (uploading a signed enforcement letter first if its filer needs one) and approve it."""
    import datetime as dt

    from ipp.workdays import today_in_china
    from ipr import services as ipr_services

    today = today_in_china()
    if ipr.needs_letter:
        ipr = ipr_services.ipr_upload_letter(
            ipr=ipr, user=ipr.filed_by, letter=checked_pdf("letter.pdf"), scope="enforce",
            valid_from=today, valid_until=letter_until or today + dt.timedelta(days=365))
    ipr_services.ipr_submit(ipr=ipr, user=ipr.filed_by)
    return ipr_services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer)


# --- Complaints (issue 4): listings in the catalogue, and complaints whose items sit in given states ---

def make_listing(platform="taobao", *, listing_id=None, title="Sports shoe", shop_name="Demo Shop", owner=None,
                 status="active", category="Shoes"):
    """A listing in the local catalogue (the default marketplace adapter), with its canonical address."""
    import itertools

    from complaints.models import Listing, Shop

    make_listing.counter = getattr(make_listing, "counter", itertools.count(600_000_000_001))
    listing_id = str(listing_id or next(make_listing.counter))
    shop, _ = Shop.objects.get_or_create(platform_id=platform, shop_id=f"shop-{shop_name.lower().replace(' ', '-')}",
                                         defaults={"name": shop_name, "owner": owner})
    return Listing.objects.create(platform_id=platform, listing_id=listing_id, url=LISTING_URLS[platform].format(id=listing_id),
                                  title=title, category=category, shop=shop, status=status)


LISTING_URLS = {
    "taobao": "https://item.taobao.com/item.htm?id={id}",
    "tmall": "https://detail.tmall.com/item.htm?id={id}",
    "tmallhk": "https://detail.tmall.hk/hk/item.htm?id={id}",
    "1688": "https://detail.1688.com/offer/{id}.html",
    "alibaba": "https://www.alibaba.com/product-detail/Sports-Shoe_{id}.html",
    "aliexpress": "https://www.aliexpress.com/item/{id}.html",
    "lazada": "https://www.lazada.sg/products/sports-shoe-i{id}.html",
}


def complaint_items(ipr, *states, platform="taobao"):
    """A filed complaint on ``ipr`` whose items sit in ``states``. Rows are made directly: the workflow
    that moves items past "submitted" is its own issue, and these tests start from where it would leave them."""
    from complaints.models import Complaint, ComplaintItem

    complaint = Complaint.objects.create(complainant=ipr.filed_by, ipr=ipr, platform_id=platform, reason="counterfeit",
                                         status="open")
    items = []
    for state in states:
        listing = make_listing(platform)
        items.append(ComplaintItem.objects.create(complaint=complaint, listing=listing, listing_url=listing.url, state=state))
    return items


@pytest.fixture(autouse=True)
def _platforms(request):
    """The platforms come from a data migration; a transactional test (browser, worker) flushes every table
    when it ends, so the next test on the same database would find none. Put them back when missing."""
    names = set(request.fixturenames)
    if not names & {"db", "transactional_db", "live_server"} and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("transactional_db" if names & {"transactional_db", "live_server"} else "db")
    put_platforms_back()


def put_platforms_back():
    """The platforms of the data migration, when a transactional test has flushed them."""
    from importlib import import_module

    from django.apps import apps

    from complaints.models import Platform

    if not Platform.objects.exists():
        import_module("complaints.migrations.0002_platforms_listings_filing").add_platforms(apps, None)
        import_module("complaints.migrations.0005_workflow_deadlines_counter_notices_penalties").copyright_per_complaint(
            apps, None)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts and ends with an empty (per-process) cache: what another left there, a throttle's or
    allauth's rate-limit counts or a holder's kept figures, is not this test's (its rows, even their ids, may be
    another's)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request in another language leaves it active in the thread; the next test starts in English."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


# --- A real Celery worker on the test Redis (issues 2-5) ------------------------------------------------------



def _drop_connections() -> None:
    """Close and forget the broker connection and producer pools of the current
    configuration (kombu keeps them in process-wide groups keyed by broker URL), and the
    queue/routing caches built from it, so the next send uses the new configuration."""
    key = eqhash(app.connection_for_write())  # describes the broker; does not connect
    for group in (pools.producers, pools.connections):
        pool = group.pop(key, None)
        if pool is not None:
            pool.force_close_all()
    app.__dict__.pop("amqp", None)  # a cached_property: rebuilt on next use
    app._pool = None


@contextlib.contextmanager
def celery_config(**overrides):
    """Reconfigure ``ipp.celery.app`` for the duration, then put its configuration back."""
    saved = {key: app.conf[key] for key in overrides}
    _drop_connections()
    app.conf.update(overrides)
    try:
        yield app
    finally:
        _drop_connections()
        app.conf.update(saved)


@pytest.fixture
def redis_app():
    """The project's app on the test Redis, with a queue nobody else consumes."""
    queue = f"ipp-test-{uuid4().hex}"
    with celery_config(
        broker_url=settings.TEST_REDIS_URL,
        task_default_queue=queue,
        task_default_exchange=queue,
        task_default_routing_key=queue,
        # No pidbox queue: broadcasts of other workers on this Redis never reach ours.
        worker_enable_remote_control=False,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=False,
    ):
        yield queue
    # Leave nothing behind in Redis: the queue (empty by now) and kombu's binding keys for it.
    client = redis.Redis.from_url(settings.TEST_REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"*{queue}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@contextlib.contextmanager
def celery_leaves_logging_alone():
    """Celery configures the root logger at worker start unless a ``setup_logging``
    receiver exists; keep pytest's log capture (and the rest of the suite's logging)."""

    def keep_logging(**kwargs):
        return None

    saved_env = {key: os.environ.get(key) for key in ("CELERY_LOG_LEVEL", "CELERY_LOG_FILE",
                                                       "_MP_FORK_LOGLEVEL_", "_MP_FORK_LOGFILE_", "_MP_FORK_LOGFORMAT_")}
    signals.setup_logging.connect(keep_logging, weak=False)
    try:
        yield
    finally:
        signals.setup_logging.disconnect(keep_logging)
        logging.captureWarnings(False)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def celery_worker(redis_app):
    """A real worker (solo pool, in a thread) consuming only this test's Redis queue."""
    with celery_leaves_logging_alone(), start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10,
    ) as worker:
        assert worker.consumer.connection.transport.driver_type == "redis"
        assert [q.name for q in worker.consumer.task_consumer.queues] == [redis_app]
        yield worker


# --- The API as a user, and a world built once per module ---------------------------------------------------

def api_as(user=None):
    """An API client sending ``user``'s token (signed out when None)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def built_once(django_db_blocker, build):
    """Yield ``build()``'s objects for a module, made inside a transaction rolled back at its end (as
    TestCase.setUpTestData: each test runs in a savepoint within it)."""
    from django.test import TestCase

    with django_db_blocker.unblock():
        put_platforms_back()
        atomics = TestCase._enter_atomics()
        try:
            yield build()
        finally:
            TestCase._rollback_atomics(atomics)
