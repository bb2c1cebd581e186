"""Private documents: upload checks, storage, who may see them, and the one view that serves them.

Every document (identity proofs, certificates, letters, evidence) is stored through
Django's storage API under a name we choose and is never given a public URL. The only
way to read one is ``document_view``, which checks ``document_can_view`` and logs each
view of a document that identifies a person.
"""

import hashlib
import io
import uuid
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from .models import Document, DocumentView

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
_MAGIC = [(b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG)]
_EXTENSIONS = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG}
_TYPE_NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}
# Names in a PDF that make it run something when opened: no document needs them.
_PDF_ACTIVE_CONTENT = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")
# The same as the parser reads them (a name may be written with #xx escapes, "/J#61vaScript", or sit in a compressed
# object stream, where the bytes above never show), with the other actions that run, fetch or send something.
_PDF_ACTIVE_NAMES = frozenset({"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia",
                               "/RichMediaExecute", "/XFA", "/ImportData", "/SubmitForm", "/GoToE"})
# A certificate has a few hundred objects; a file with this many reachable ones is not one we read through.
_PDF_MAX_OBJECTS = 200_000
_PDF_WALKED = (IndirectObject, DictionaryObject, ArrayObject, NameObject)
THUMBNAIL_SIZE = (320, 320)
# Pillow warns past MAX_IMAGE_PIXELS and raises only at twice that; we refuse at the warning.
MAX_IMAGE_PIXELS = 50_000_000


class PrivateFileSystemStorage(FileSystemStorage):
    """Local storage whose only URL for a document is the permission-checked view."""

    def url(self, name: str | None) -> str:
        document_id, _dot, rest = PurePosixPath(name or "").name.partition(".")
        return reverse("document", args=[document_id]) + ("?thumb=1" if rest.startswith("thumb") else "")


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    content_type: str
    original_name: str


def _sniff(head: bytes) -> str | None:
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)


MAX_NAME_LENGTH = 150


def plain_name(name: str | None) -> str:
    """The uploader's file name as we keep it (to show, and to name a download): its last part only, letters,
    digits, ``-``, ``_`` and ``.``, at most MAX_NAME_LENGTH characters with its extension kept; "document" when
    nothing of it is left ("..", a blank). Files are never stored under it (see ``document_store``)."""
    last = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    try:
        name = get_valid_filename(last)
    except SuspiciousFileOperation:  # "", "." or ".." once cleaned
        return "document"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        keep = dot + extension if dot and stem and len(extension) <= 10 else ""
        name = stem[:MAX_NAME_LENGTH - len(keep)] + keep if keep else name[:MAX_NAME_LENGTH]
    return name


def check_upload(upload, *, max_bytes: int | None = None) -> CheckedUpload:
    """Prove an upload is a real PDF, JPEG or PNG, within the size limit.

    Images are re-encoded, which drops EXIF (location, device) and anything hidden
    after the image data. Raises ``ValidationError`` with a message for the user.
    """
    max_bytes = max_bytes or settings.IPP_UPLOAD_MAX_BYTES
    name = plain_name(upload.name)
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1_048_576, 1), "limit": round(max_bytes / 1_048_576)},
            code="too_large",
        )
    upload.seek(0)
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise ValidationError(_("The file is larger than the %(limit)s MB limit.") % {"limit": round(max_bytes / 1_048_576)}, code="too_large")
    if not content:
        raise ValidationError(_("The file is empty."), code="empty")
    content_type = _sniff(content[:8])
    if content_type is None:
        raise ValidationError(_("Only PDF, JPEG or PNG files are accepted; this file is none of them."), code="type")
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    claimed = _EXTENSIONS.get(suffix)
    if suffix and claimed != content_type:
        raise ValidationError(
            _("The file is named “%(name)s” but its content is %(actual)s; rename it or export it again.")
            % {"name": name, "actual": _TYPE_NAMES[content_type]},
            code="type_mismatch",
        )
    if content_type == PDF:
        _check_pdf(content)
    else:
        content = _reencode_image(content, content_type)
    return CheckedUpload(content=content, content_type=content_type, original_name=name)


def _check_pdf(content: bytes) -> None:
    unreadable = ValidationError(_("The PDF cannot be read; it may be damaged. Export it again."), code="pdf_invalid")
    active = ValidationError(_("The PDF contains scripts or attachments; upload a plain PDF (print it to PDF)."), code="pdf_active")
    if any(marker in content for marker in _PDF_ACTIVE_CONTENT):
        raise active
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise ValidationError(_("The PDF is password-protected; upload it without a password."), code="pdf_encrypted")
        if len(reader.pages) == 0:
            raise unreadable
        root = reader.trailer["/Root"]
        names = root.get("/Names") or {}
        open_action = root.get("/OpenAction")
        runs_on_open = hasattr(open_action, "get") and open_action.get("/S") in ("/JavaScript", "/Launch")
        if runs_on_open or "/AA" in root or "/JavaScript" in names or "/EmbeddedFiles" in names:
            raise active
        if _pdf_names_active_content(reader):
            raise active
    except ValidationError:
        raise
    except Exception as exc:  # a parser fed hostile input fails in many ways; all mean "cannot read it"  # noqa: BLE001
        raise unreadable from exc


def _pdf_names_active_content(reader: PdfReader) -> bool:
    """Whether any object reachable from the trailer (pages, annotations, form fields, their actions) has a key or a
    name of ``_PDF_ACTIVE_NAMES``, as pypdf decodes them; each object is read once."""
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    containers = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if isinstance(node, NameObject):
            if node in _PDF_ACTIVE_NAMES:
                return True
            continue
        containers += 1
        if containers > _PDF_MAX_OBJECTS:
            raise ValueError("too many objects")  # reported as unreadable
        if isinstance(node, DictionaryObject):  # a stream's dictionary too; its data is not decoded
            if any(key in _PDF_ACTIVE_NAMES for key in node):
                return True
            values = dict.values(node)  # as written: references are followed above, once each
        elif isinstance(node, ArrayObject):
            values = list.__iter__(node)
        else:
            continue
        stack.extend(value for value in values if isinstance(value, _PDF_WALKED))
    return False


def _reencode_image(content: bytes, content_type: str) -> bytes:
    fmt = "JPEG" if content_type == JPEG else "PNG"
    unreadable = ValidationError(_("The image cannot be read; it may be damaged."), code="image_invalid")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[fmt]) as probe:
                if probe.width * probe.height > MAX_IMAGE_PIXELS:
                    raise ValidationError(_("The image is too large (%(w)s × %(h)s pixels).") % {"w": probe.width, "h": probe.height}, code="image_bomb")
                probe.verify()
            with Image.open(io.BytesIO(content), formats=[fmt]) as image:
                image.load()
                image = ImageOps.exif_transpose(image)  # keep the picture upright once EXIF is gone
                if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                out = io.BytesIO()
                image.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {"optimize": True}))
                return out.getvalue()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(_("The image is too large to open safely."), code="image_bomb") from exc
    except Exception as exc:  # Pillow raises many kinds of errors on damaged files  # noqa: BLE001
        raise unreadable from exc


def document_store(*, owner, purpose: str, upload: CheckedUpload) -> Document:
    """Save a checked upload as a private document of ``owner``."""
    document = Document(
        id=uuid.uuid4(),
        owner=owner,
        purpose=purpose,
        original_name=upload.original_name,
        content_type=upload.content_type,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
    )
    document.file.save(upload.original_name, ContentFile(upload.content), save=False)
    if upload.content_type in (JPEG, PNG):
        document.thumbnail.save("thumb.jpg", ContentFile(_thumbnail(upload.content)), save=False)
    document.save()
    return document


def _thumbnail(content: bytes) -> bytes:
    # The content was checked and re-encoded by check_upload, so it opens safely.
    with Image.open(io.BytesIO(content)) as image:
        image.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=80)
        return out.getvalue()


def document_can_view(user, document: Document) -> bool:
    """Its owner, the platform's reviewers and admins, and the other side of a complaint for the evidence it
    was sent; nobody else."""
    if not user.is_authenticated:
        return False
    if document.owner_id == user.pk or user.is_platform_staff:
        return True
    # One query, for the one side of a complaint the user can be.
    return document.purpose == Document.Purpose.EVIDENCE and (
        _complaint_evidence_for_seller(user, document) if user.is_seller else _counter_notice_evidence_for(user, document))


def _counter_notice_evidence_for(user, document: Document) -> bool:
    """The evidence of a seller's counter-notice is the complainant's to see: it answers that complaint."""
    # Imported here: complaints builds on ipp, not the other way round.
    from complaints.models import CounterNoticeEvidence

    return CounterNoticeEvidence.objects.filter(document=document, counter_notice__item__complaint__complainant=user).exists()


def _complaint_evidence_for_seller(user, document: Document) -> bool:
    """A complaint's evidence is the seller's to see once the complaint reached it about one of its listings."""
    from complaints.models import ComplaintEvidence, ComplaintItem

    # One filter(): the listing and the notice are of the same item.
    return ComplaintEvidence.objects.filter(
        document=document, complaint__items__listing__shop__owner=user,
        complaint__items__events__to_state=ComplaintItem.State.SELLER_NOTIFIED).exists()


@login_required
@xframe_options_sameorigin  # shown in a frame beside the data on review screens
def document_view(request, document_id):
    document = get_object_or_404(Document, pk=document_id)
    if not document_can_view(request.user, document):
        # The same answer as a missing id: nobody learns which ids exist.
        raise Http404
    if document.purpose in Document.LOGGED_PURPOSES:
        from accounts.adapter import client_ip

        DocumentView.objects.create(document=document, viewer=request.user, ip_address=client_ip(request))
    want_thumbnail = request.GET.get("thumb") == "1" and document.thumbnail
    stored = document.thumbnail if want_thumbnail else document.file
    try:
        handle = stored.storage.open(stored.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=JPEG if want_thumbnail else document.content_type,
                            as_attachment=request.GET.get("download") == "1", filename=document.original_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = ["CheckedUpload", "check_upload", "document_can_view", "document_store", "document_view"]
