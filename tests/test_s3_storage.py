"""Private documents on S3 (django-storages), against a local S3 server (moto).

The default storage is switched to ``S3Storage`` with the OPTIONS that
``ipp/settings/__init__.py`` builds for ``STORAGE=s3``; everything else is the real
code path: the service stores the document, the permission-checked view serves it.
"""

import datetime as dt
import hashlib
import io
import urllib.error
import urllib.request
from uuid import uuid4

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from accounts import services
from ipp.documents import PNG, CheckedUpload, document_store
from ipp.models import Document, DocumentView

from .conftest import checked_png

moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
boto3 = pytest.importorskip("boto3")
S3Storage = pytest.importorskip("storages.backends.s3").S3Storage

pytestmark = [pytest.mark.s3, pytest.mark.django_db]

REGION = "us-east-1"
ACCESS_KEY, SECRET_KEY = "testing", "testing"  # moto accepts any credentials
PUBLIC_GROUPS = {"http://acs.amazonaws.com/groups/global/AllUsers",
                 "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}


@pytest.fixture(scope="module")
def s3_server():
    """A moto S3 server on a free port of this process (one per xdist worker), with a bucket."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    bucket = f"ipp-test-{uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    try:
        yield {"endpoint": endpoint, "bucket": bucket, "client": client}
    finally:
        server.stop()


@pytest.fixture
def s3(s3_server):
    """The default storage is S3Storage, configured as the settings do for STORAGE=s3."""
    options = {
        "bucket_name": s3_server["bucket"],
        "endpoint_url": s3_server["endpoint"],
        "region_name": REGION,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "addressing_style": "path",
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }
    # override_settings sends setting_changed, on which Django drops its cached storages
    # (storages._storages, default_storage._wrapped), here and again on the way out.
    with override_settings(STORAGES={
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }):
        # Document.file uses the lazy default_storage, so it follows the override.
        assert Document._meta.get_field("file").storage is default_storage
        assert isinstance(default_storage, S3Storage)
        yield s3_server
    assert not isinstance(default_storage, S3Storage)


def png_upload(name: str, color: str) -> CheckedUpload:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="PNG")
    return CheckedUpload(content=out.getvalue(), content_type=PNG, original_name=name)


def stored_bytes(s3, key: str) -> bytes:
    return s3["client"].get_object(Bucket=s3["bucket"], Key=key)["Body"].read()


def test_an_identity_proof_is_stored_privately_in_the_bucket_and_served_only_to_its_owner(s3, client, newcomer, holder):
    upload = checked_png("passport.png")
    proof = services.identity_submit(user=newcomer, document_kind="passport", document_number="E1234",
                                     expires_on=dt.date.today() + dt.timedelta(days=400), document=upload)
    document = proof.document
    key = f"documents/identity/{document.pk}.png"
    assert document.file.name == key

    # In the bucket, under our name, with exactly the bytes the service stored.
    listed = s3["client"].list_objects_v2(Bucket=s3["bucket"], Prefix="documents/identity/")
    assert key in [item["Key"] for item in listed.get("Contents", [])]
    obj = s3["client"].get_object(Bucket=s3["bucket"], Key=key)
    body = obj["Body"].read()
    assert body == upload.content
    assert hashlib.sha256(body).hexdigest() == document.sha256
    assert obj["ContentType"] == "image/png"

    # Private: only the owner's grant, nothing for everyone or any AWS user.
    acl = s3["client"].get_object_acl(Bucket=s3["bucket"], Key=key)
    grantees = [grant["Grantee"] for grant in acl["Grants"]]
    assert not [g for g in grantees if g.get("URI") in PUBLIC_GROUPS], acl["Grants"]
    assert [grant["Permission"] for grant in acl["Grants"]] == ["FULL_CONTROL"]
    # Without credentials the bucket refuses it (moto does serve public-read objects).
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3['endpoint']}/{s3['bucket']}/{key}", timeout=5)  # noqa: S310
    assert refused.value.code == 403
    # And the storage hands out only signed, expiring URLs.
    signed = default_storage.url(key)
    assert "Signature=" in signed and "Expires=" in signed, signed

    # The owner reads it through the permission-checked view.
    client.force_login(newcomer)
    response = client.get(reverse("document", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == upload.content
    assert DocumentView.objects.filter(document=document, viewer=newcomer).count() == 1

    # Another rights holder gets the same answer as for an id that does not exist.
    client.force_login(holder)
    response = client.get(reverse("document", args=[document.pk]))
    assert response.status_code == 404
    assert not DocumentView.objects.filter(document=document, viewer=holder).exists()


def test_two_documents_with_the_same_original_name_never_overwrite_each_other(s3, newcomer):
    first = document_store(owner=newcomer, purpose=Document.Purpose.EVIDENCE, upload=png_upload("scan.png", "red"))
    second = document_store(owner=newcomer, purpose=Document.Purpose.EVIDENCE, upload=png_upload("scan.png", "blue"))

    assert first.original_name == second.original_name == "scan.png"
    assert first.file.name != second.file.name
    assert stored_bytes(s3, first.file.name) == png_upload("scan.png", "red").content
    assert stored_bytes(s3, second.file.name) == png_upload("scan.png", "blue").content
    assert first.sha256 != second.sha256

    # Even saving under one and the same name keeps both (file_overwrite=False).
    name = f"documents/evidence/{uuid4().hex}.png"
    kept = default_storage.save(name, ContentFile(b"first"))
    again = default_storage.save(name, ContentFile(b"second"))
    assert kept == name
    assert again != name
    assert stored_bytes(s3, kept) == b"first"
    assert stored_bytes(s3, again) == b"second"
