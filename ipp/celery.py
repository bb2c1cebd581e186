"""The Celery app. Broker: Redis in production, kombu's filesystem transport embedded."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipp.settings")

app = Celery("ipp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_broker_folders(sender, **kwargs):
    # The filesystem transport expects its folders to exist.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


def _a_closed_redis_connection_is_a_connection_error() -> None:
    """Keep the worker alive when Redis goes away while it runs a task (kombu 5.7, celery 5.7).

    When the broker connection drops, the worker's consumer collects the connection (which
    detaches the transport from it) and then closes it. Closing the channel then tries to
    give back the messages still unacknowledged (our tasks are acknowledged late, so the one
    being run is) and builds a new Redis client from the detached transport: an
    ``AttributeError`` ('NoneType' object has no attribute 'hostname'), which is not a
    connection error, so Celery takes it as "Unrecoverable error" and the worker shuts down
    for good once its running task ends. Seen with Redis stopped while a task ran:
    tests/faults/test_redis_stopped.py. Raising the connection error it is lets kombu ignore
    it as it ignores the others; the worker reconnects when Redis is back, and the message
    stays in Redis's unacknowledged set (redelivered after the visibility timeout, harmless:
    tasks are idempotent), or is gone with Redis itself.
    """
    try:
        from kombu.transport import redis as redis_transport
    except ImportError:  # redis-py missing: no Redis broker to guard
        return
    channel = getattr(redis_transport, "Channel", None)
    connparams = getattr(channel, "_connparams", None)
    if connparams is None or getattr(connparams, "_ipp_guarded", False):
        return

    def _connparams(self, asynchronous=False):
        if self.connection is None or self.connection.client is None:
            raise redis_transport.redis.exceptions.ConnectionError("the broker connection is closed")
        return connparams(self, asynchronous=asynchronous)

    _connparams._ipp_guarded = True
    channel._connparams = _connparams


_a_closed_redis_connection_is_a_connection_error()
