"""Uploads are checked by what they contain, not what they are called."""

import io
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ipp.documents import check_upload

from .conftest import pdf_bytes, png_bytes


def upload(name, content):
    return SimpleUploadedFile(name, content)


def rejected(name, content, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(name, content), **kwargs)
    return caught.value


def test_real_pdf_png_and_jpeg_are_accepted():
    assert check_upload(upload("a.pdf", pdf_bytes())).content_type == "application/pdf"
    assert check_upload(upload("a.png", png_bytes())).content_type == "image/png"
    jpeg = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(jpeg, format="JPEG")
    assert check_upload(upload("scan.JPG", jpeg.getvalue())).content_type == "image/jpeg"


def test_a_file_of_another_type_is_refused_with_a_plain_reason():
    error = rejected("id.docx", b"PK\x03\x04 this is a zip")
    assert "Only PDF, JPEG or PNG" in error.messages[0]


def test_a_file_that_lies_about_its_type_is_refused():
    error = rejected("passport.pdf", png_bytes())
    assert error.code == "type_mismatch"
    assert "PNG" in error.messages[0]


def test_an_html_file_named_png_is_refused():
    assert rejected("photo.png", b"<html><script>alert(1)</script></html>").code == "type"


def test_an_empty_file_is_refused():
    assert rejected("a.pdf", b"").code == "empty"


def test_a_file_over_the_limit_is_refused_with_its_size():
    error = rejected("big.pdf", pdf_bytes() + b"0" * 3_000_000, max_bytes=2 * 1024 * 1024)
    assert error.code == "too_large"
    assert "2 MB" in error.messages[0]


def test_a_pdf_with_javascript_is_refused():
    malicious = pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    assert rejected("evil.pdf", malicious).code == "pdf_active"


def test_a_truncated_pdf_is_refused():
    assert rejected("broken.pdf", b"%PDF-1.7\n1 0 obj <<").code == "pdf_invalid"


def test_a_decompression_bomb_image_is_refused():
    # A 20000 x 20000 PNG: a tiny file that would need 1.2 GB of memory to open.
    width = height = 20_000
    raw = b"".join(b"\x00" + b"\x00" * width for _ in range(1))  # one row, repeated by zlib below
    compressor = zlib.compressobj(9)
    data = compressor.compress(raw * height) + compressor.flush()

    def chunk(kind, payload):
        return len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    assert len(bomb) < 2_000_000
    assert rejected("bomb.png", bomb).code == "image_bomb"


def test_exif_is_stripped_from_photos():
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"  # Make
    exif[0x8825] = {2: (39.0, 54.0, 0.0)}  # GPS
    jpeg = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(jpeg, format="JPEG", exif=exif)
    assert b"SecretPhoneMaker" in jpeg.getvalue()
    cleaned = check_upload(upload("photo.jpg", jpeg.getvalue()))
    assert b"SecretPhoneMaker" not in cleaned.content
    assert not Image.open(io.BytesIO(cleaned.content)).getexif()


def test_names_with_path_tricks_are_reduced_to_a_plain_name():
    cleaned = check_upload(upload("../../etc/passwd.png", png_bytes()))
    assert "/" not in cleaned.original_name and ".." not in cleaned.original_name.split(".")[0]


def test_a_pdf_that_trips_the_parser_is_reported_as_unreadable_not_a_crash():
    # A cross-reference table pointing past the end of the file, and a page tree with a bogus count.
    hostile = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 99999/Kids[3 0 R 9 0 R]>>endobj\nxref\n0 1\n0000000000 65535 f \ntrailer<</Root 1 0 R/Size 999>>\nstartxref\n999999\n%%EOF"
    assert rejected("odd.pdf", hostile).code == "pdf_invalid"
