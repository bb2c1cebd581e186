"""Browser fixtures: one headless Chromium per session, a fresh context (cookies, device) per page.

The portal runs in pytest-django's ``live_server`` thread, in this process: mail sent by
the portal lands in ``django.core.mail.outbox`` and Celery tasks in the in-memory broker,
so the tests read codes from the outbox and play the worker with ``run_enqueued_tasks``.
"""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
CODE = re.compile(r"\b\d{6}\b")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_context(browser):
    """Makes fresh browser contexts (a new device each: no cookies); all closed after the test."""
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    contexts = []

    def make():
        context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture(autouse=True)
def _clean_slate():
    """Rate-limit counters (local-memory cache) and queued tasks do not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    _drain_queue(run=False)
    yield


def shot(page, name: str) -> Path:
    """Save a full-page screenshot to test-results/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def latest_code(email: str) -> str:
    """The 6-digit code in the latest message sent to ``email``."""
    from django.core import mail

    for message in reversed(mail.outbox):
        if email in message.to:
            match = CODE.search(message.body)
            assert match, f"no 6-digit code in the last mail to {email}: {message.subject!r}"
            return match.group()
    raise AssertionError(f"no mail was sent to {email}; outbox: {[(m.to, m.subject) for m in mail.outbox]}")


def _drain_queue(*, run: bool) -> list[str]:
    from kombu import Consumer

    from ipp.celery import app

    messages = []
    with app.connection_for_read() as connection:
        queue = app.amqp.queues[app.conf.task_default_queue]

        def receive(body, message):
            messages.append((message.headers["task"], body))
            message.ack()

        with Consumer(connection, queues=[queue], callbacks=[receive], accept=["json"]):
            try:
                while True:
                    connection.drain_events(timeout=0.05)
            except TimeoutError:
                pass
    if run:
        for name, (args, kwargs, _embed) in messages:
            app.tasks[name].apply(args=args, kwargs=kwargs, throw=True)
    return [name for name, _ in messages]


def run_enqueued_tasks() -> list[str]:
    """Be the Celery worker: run every task the portal has enqueued so far; their names."""
    return _drain_queue(run=True)


def press(page, key: str) -> None:
    """A key pressed on the page, as a reviewer working the queue does: once the page's script listens (it is
    deferred, so a page shows its heading a moment before)."""
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.press(key)
