"""Bulk import of IP rights: a CSV with one right per row, plus a ZIP of their documents.

All rows are imported, or none. Every row is checked first, by the same form that checks
one record on the page (``IPRForm``) plus the checks only a spreadsheet needs; if any
row has a problem, nothing is written and the filer gets every problem of every line at
once, numbered as in the spreadsheet (the header is line 1). Only then are the rows
saved, through the same services as one record (``ipr_save``, ``ipr_upload_letter``,
``ipr_submit``), in one transaction.

The ZIP is never extracted to disk: its files are found by name (their folder is
ignored, so ``../x.pdf`` is just ``x.pdf``) and read into memory, within limits checked
before anything is decompressed.

On the site an import runs in a worker, as an ``ImportJob``: the web request only
stores the two files and queues the job (``import_job_create``); ``import_job_run``
checks and saves it, writing its progress for the filer's page, and keeps the outcome.
The CSV reading, the problems and the job are ``ipp.bulk``'s, shared with the import of
complaints.
"""

import csv
import datetime as dt
import difflib
import io
import logging
import re
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.selectors import filing_block_reason
from ipp import bulk as jobs
from ipp.bulk import (
    EVERY_ROW,
    Column,
    ImportProblem,
    ImportRefused,
    Progress,
    Sheet,
    code_of,
    csv_size_problems,
    no_progress,
    overflow_problem,
    read_csv,
    refuse,
)
from ipp.documents import CheckedUpload, check_upload
from ipp.models import Document, ImportJob

from . import services
from .forms import KIND_FIELDS, IPRForm, LetterTermForm, NiceClassFormSet
from .models import IPR

logger = logging.getLogger(__name__)

_MB = 1024 * 1024
# The checked files are held in memory for the length of one import, so the ZIP and the
# sum of its files' sizes are capped; bigger catalogues are imported in several parts.
ZIP_MAX_BYTES = 200 * _MB
ZIP_MAX_FILES = 20_000
# PDFs, JPEGs and PNGs are compressed already: a file that expands a hundredfold is a bomb.
ZIP_MAX_RATIO = 100
ZIP_RATIO_FLOOR = 1 * _MB  # small files cannot expand to anything harmful, whatever their ratio

_YES = {"yes", "y", "true", "1", "是"}
_NO = {"no", "n", "false", "0", "否"}


# --- The columns: the one place that says what each means ------------------------------

def _codes(choices) -> str:
    return ", ".join(choices.values)


COLUMNS: tuple[Column, ...] = (
    Column("kind", EVERY_ROW, format_lazy(gettext_lazy("One of: {codes}."), codes=_codes(IPR.Kind))),
    Column("name", EVERY_ROW, gettext_lazy("The mark (its word, or a short description of the logo), the patent's "
                                         "title, the work's name or the right's name.")),
    Column("number", EVERY_ROW, gettext_lazy("The registration number as on the certificate; an application or "
                                           "filing number is refused.")),
    Column("jurisdiction", EVERY_ROW, gettext_lazy("Where the right is registered: a 2-letter country code (CN, US, "
                                                 "DE…), EU for the EUIPO or WO for an international registration.")),
    Column("owner", EVERY_ROW, gettext_lazy("The registered owner, as on the certificate. When it is not your "
                                          "account's name, the row needs an authorisation letter to be submitted.")),
    Column("registered_on", gettext_lazy("Trademarks and other rights; optional for patents and copyrights"),
           gettext_lazy("The registration (or grant) date, as YYYY-MM-DD, e.g. 2021-03-14.")),
    Column("expires_on", gettext_lazy("Trademarks, patents and other rights"),
           gettext_lazy("The expiry date, as YYYY-MM-DD; it must not have passed.")),
    Column("patent_type", gettext_lazy("Patents"), format_lazy(gettext_lazy("One of: {codes}."), codes=_codes(IPR.PatentType))),
    Column("work_kind", gettext_lazy("Copyrights"), format_lazy(gettext_lazy("One of: {codes}."), codes=_codes(IPR.WorkKind))),
    Column("nice_classes", gettext_lazy("Trademarks"),
           gettext_lazy("Each class with its goods or services as on the certificate, e.g. “25: Clothing, footwear; "
                        "14: Jewellery”. Classes 1 to 45, each once.")),
    Column("certificate", EVERY_ROW, gettext_lazy("The file name of the registration certificate in the ZIP (PDF, JPEG "
                                                "or PNG). One certificate per record.")),
    Column("attachments", gettext_lazy("Copyrights (samples of the work); optional for the others"),
           gettext_lazy("File names in the ZIP, separated by “;”: a trademark's class pages, a patent's Patent "
                        "Evaluation Report, samples of a copyright work, or another right's supporting documents.")),
    Column("letter", gettext_lazy("Rows you submit whose owner is not you (and every row, for agents)"),
           gettext_lazy("The file name in the ZIP of the authorisation letter, signed or stamped by the owner. Naming "
                        "it declares that it authorises you to file IPR complaints, not only to sell.")),
    Column("letter_valid_from", gettext_lazy("Rows with a letter"), gettext_lazy("The first day of the letter's term, as YYYY-MM-DD.")),
    Column("letter_valid_until", gettext_lazy("Rows with a letter"),
           gettext_lazy("The last day of the letter's term, as YYYY-MM-DD; it must not have passed.")),
    Column("submit", gettext_lazy("Optional"), gettext_lazy("yes (the default): submit for authentication straight "
                                                            "away; no: keep the record as a draft.")),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
# Form fields whose column has another name; the others are named alike.
_FIELD_COLUMN = {"owner_name": "owner", "valid_from": "letter_valid_from", "valid_until": "letter_valid_until"}
_DATE_COLUMNS = ("registered_on", "expires_on", "letter_valid_from", "letter_valid_until")


def _columns_needed(kind: str) -> set[str]:
    """The columns a row of this kind cannot do without."""
    needed = {"kind", "certificate"} | {_FIELD_COLUMN.get(f, f) for f, _label, required in KIND_FIELDS[kind] if required}
    if kind == IPR.Kind.TRADEMARK:
        needed.add("nice_classes")
    if kind == IPR.Kind.COPYRIGHT:
        needed.add("attachments")
    return needed


# --- Results and problems ---------------------------------------------------------------

def _zip_too_large() -> ImportRefused:
    return refuse(_("The ZIP file is larger than %(limit)s MB; import your rights in several parts.") % {"limit": ZIP_MAX_BYTES // _MB})


def _not_a_zip() -> ImportRefused:
    return refuse(_("The documents file is not a ZIP file. Put the certificates and other documents in one "
                     "ZIP (in Windows: Send to › Compressed folder) and upload it."))


@dataclass(frozen=True)
class ImportResult:
    records: list[IPR]
    submitted: int
    drafts: int


class IPRImportForm(forms.Form):
    """The two files of an import; their content is checked by ``ipr_import``."""

    csv_file = forms.FileField(label=gettext_lazy("CSV file, one right per row"),
                               widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))
    zip_file = forms.FileField(label=gettext_lazy("ZIP of the certificates and other documents"),
                               widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
                               help_text=format_lazy(gettext_lazy("Up to {limit} MB; each file a PDF, JPEG or PNG of up to {file_limit} MB."),
                                                     limit=ZIP_MAX_BYTES // _MB, file_limit=settings.IPP_UPLOAD_MAX_BYTES // _MB))


# --- Files stored by an import that does not commit -------------------------------------

# The files saved to storage inside ``_files_removed_unless_committed``, in this thread or task only.
_stored_files: ContextVar[list | None] = ContextVar("ipr_import_stored_files", default=None)


@receiver(pre_save, sender=Document, dispatch_uid="ipr.bulk.track_stored_files")
def _track_stored_file(sender, instance: Document, **kwargs) -> None:
    # ``document_store`` writes the file to storage before it saves the row: pre_save sees it
    # even when the INSERT then fails.
    stored = _stored_files.get()
    if stored is not None and instance._state.adding:
        stored.extend((f.storage, f.name) for f in (instance.file, instance.thumbnail) if f.name)


@contextmanager
def _files_removed_unless_committed() -> Iterator[None]:
    """Delete the document files stored inside the block if the block raises (its rows are rolled back).

    Wrap it around the outermost ``transaction.atomic``: a rollback raises through here.
    """
    stored: list = []
    token = _stored_files.set(stored)
    try:
        yield
    except BaseException:
        for storage, name in stored:
            try:
                storage.delete(name)
            except Exception:  # never hide why the import failed; the file is only an orphan  # noqa: BLE001
                logger.exception("could not delete %s after a refused import", name)
        raise
    finally:
        _stored_files.reset(token)


# --- Reading the ZIP ---------------------------------------------------------------------

# The ZIP's end-of-central-directory record (PKWARE APPNOTE 4.3.16).
_END_RECORD = struct.Struct("<4s4H2LH")


def _declared_directory(upload: File) -> tuple[int, int] | None:
    """(files, bytes) of the central directory as the ZIP's end record declares them; None if it has none.

    Read before ``zipfile`` parses the directory, which it does whole and in memory.
    """
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    tail_size = min(size, _END_RECORD.size + 65_535)  # the record, then a comment of at most 64 KB
    upload.seek(size - tail_size)
    tail = upload.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _END_RECORD.size > len(tail):
        return None
    _sig, _disk, _disk_of_directory, _here, files, directory_bytes, _offset, _comment = _END_RECORD.unpack_from(tail, at)
    return files, directory_bytes


def _member_names(info: zipfile.ZipInfo) -> list[str]:
    """The name of a ZIP member in every encoding it may have been written in, the likeliest first."""
    names = []
    if not info.flag_bits & 0x800 and not info.filename.isascii():
        # Without the UTF-8 flag zipfile reads names as CP437; Windows in China writes them in GBK.
        raw = info.filename.encode("cp437")
        for encoding in ("utf-8", "gb18030"):
            try:
                names.append(raw.decode(encoding))
            except UnicodeDecodeError:
                continue
    return [*names, info.filename]


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name.replace("\\", "/")).strip().strip("/").casefold()


def _base(key: str) -> str:
    return key.rsplit("/", 1)[-1]


class _MemberUpload(io.BytesIO):
    """A ZIP member read into memory, shaped like an upload for ``check_upload``."""

    def __init__(self, content: bytes, *, name: str, size: int):
        super().__init__(content)
        self.name, self.size = name, size


class _Archive:
    """The ZIP's files, found by name and read only when a row names them; each is checked once."""

    def __init__(self, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]):
        self._zip = archive
        self._by_path: dict[str, zipfile.ZipInfo] = {}
        self._by_base: dict[str, list[zipfile.ZipInfo]] = {}
        self._names: dict[str, str] = {}  # member → its name as the filer wrote it
        for info in members:
            self._names[info.filename] = _member_names(info)[0]
            for name in _member_names(info):
                self._by_path.setdefault(_key(name), info)
                listed = self._by_base.setdefault(_base(_key(name)), [])
                if info not in listed:
                    listed.append(info)
        self._checked: dict[str, CheckedUpload | ValidationError] = {}

    def find(self, name: str) -> zipfile.ZipInfo:
        """The member a cell names: by its path in the ZIP, else by its file name alone."""
        key = _key(name)
        if key in self._by_path:
            return self._by_path[key]
        found = self._by_base.get(_base(key), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise ValidationError(_("“%(file)s” is in the ZIP more than once (%(paths)s); name it with its folder, "
                                    "or rename one.") % {"file": name, "paths": ", ".join(self._names[i.filename] for i in found)})
        # Suggesting a near name compares it with every name: only for ZIPs of ordinary size.
        near = difflib.get_close_matches(_base(key), list(self._by_base), n=1, cutoff=0.8) if len(self._by_base) <= 1000 else []
        hint = _(" Did you mean “%(name)s”?") % {"name": self._names[self._by_base[near[0]][0].filename]} if near else ""
        raise ValidationError(_("“%(file)s” is not in the ZIP.") % {"file": name} + hint)

    def upload(self, info: zipfile.ZipInfo) -> CheckedUpload:
        """The member, read into memory and checked like any upload; raises ``ValidationError`` naming it."""
        if info.filename not in self._checked:
            self._checked[info.filename] = self._check(info)
        result = self._checked[info.filename]
        if isinstance(result, ValidationError):
            raise result
        return result

    def _check(self, info: zipfile.ZipInfo) -> CheckedUpload | ValidationError:
        name = _base(self._names[info.filename].replace("\\", "/"))
        if info.flag_bits & 0x1:
            return ValidationError(_("“%(file)s” is password-protected in the ZIP; zip it without a password.") % {"file": name})
        limit = settings.IPP_UPLOAD_MAX_BYTES
        try:
            # Never more than the limit (plus one byte, to tell): zipfile stops at the declared size.
            with self._zip.open(info) as member:
                content = member.read(limit + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, ValueError):
            return ValidationError(_("“%(file)s” cannot be read from the ZIP; it may be damaged. Zip the files again.") % {"file": name})
        try:
            return check_upload(_MemberUpload(content, name=name, size=info.file_size))
        except ValidationError as error:
            return ValidationError([_("“%(file)s”: %(reason)s") % {"file": name, "reason": message} for message in error.messages])


def _open_zip(zip_file: File) -> _Archive:
    """Open the ZIP after checking, from its directory alone, that it is not a bomb."""
    limit_mb = ZIP_MAX_BYTES // _MB
    if zip_file.size is not None and zip_file.size > ZIP_MAX_BYTES:
        raise _zip_too_large()
    not_a_zip = _not_a_zip()
    directory = _declared_directory(zip_file)
    if directory is None:
        raise not_a_zip
    files, directory_bytes = directory
    too_many = refuse(_("The ZIP holds more than %(limit)s files; import your rights in several parts.") % {"limit": ZIP_MAX_FILES})
    # An entry of the directory takes 46 bytes plus its name: anything much bigger hides more entries.
    if files > ZIP_MAX_FILES or directory_bytes > ZIP_MAX_FILES * 1024:
        raise too_many
    try:
        zip_file.seek(0)
        archive = zipfile.ZipFile(zip_file)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        raise not_a_zip from None
    members = [info for info in infos if not info.is_dir() and not info.filename.startswith("__MACOSX/")]
    if len(members) > ZIP_MAX_FILES:
        raise too_many
    if sum(info.file_size for info in members) > ZIP_MAX_BYTES:
        raise refuse(_("The files in the ZIP add up to more than %(limit)s MB; import your rights in several parts.") % {"limit": limit_mb})
    for info in members:
        if info.file_size > ZIP_RATIO_FLOOR and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise refuse(_("The ZIP was refused: “%(file)s” would expand %(ratio)s times, which no certificate does. "
                            "Zip the original files again.") % {"file": _member_names(info)[0],
                                                                 "ratio": info.file_size // max(info.compress_size, 1)})
    return _Archive(archive, members)


# --- Checking one row --------------------------------------------------------------------

class _RowForm(IPRForm):
    """The rules of one record's data, as on the page; the row's files are checked from the ZIP."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Checked once per ZIP file by _Archive (a file may serve several rows), with CSV wording.
        del self.fields["certificate"], self.fields["attachments"]


_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?")
# A class entry starts a cell or follows a ";" (goods themselves are often listed with ";").
_CLASS_SPLIT = re.compile(r"[;；]\s*(?=(?:class\s*)?\d+\s*[:：])", re.IGNORECASE)
_CLASS_ENTRY = re.compile(r"(?:class\s*)?(\d+)\s*[:：]\s*(.*)", re.IGNORECASE | re.DOTALL)
_FILE_SPLIT = re.compile(r"[;；\n]")
# What Excel saves for a long number typed into a cell not formatted as text: 2.01920E+11.
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+\d+", re.IGNORECASE)


def _parse_date(value: str) -> dt.date:
    """YYYY-MM-DD (or with / or .): the year first, so no day and month can be mixed up."""
    match = _DATE.fullmatch(value)
    if not match:
        raise ValidationError(_("“%(value)s” is not a date written as YYYY-MM-DD (e.g. 2031-05-20). In Excel, format "
                                "the column as text, or as yyyy-mm-dd.") % {"value": value})
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValidationError(_("“%(value)s” is not a real date.") % {"value": value}) from None


def _parse_classes(value: str) -> list[tuple[int, str]]:
    """Read "25: Clothing; 14: Jewellery" into classes, checked by the page's own class rules (NiceClassFormSet)."""
    entries, problems = [], []
    for entry in filter(None, (part.strip() for part in _CLASS_SPLIT.split(value))):
        match = _CLASS_ENTRY.fullmatch(entry)
        if match:
            entries.append((match.group(1), match.group(2).strip().rstrip(";；").strip()))
        else:
            problems.append(_("“%(entry)s” is not a class and its goods; write them as “25: Clothing, footwear; "
                              "14: Jewellery”.") % {"entry": entry[:60]})
    if problems:
        raise ValidationError(problems)
    data = {"classes-TOTAL_FORMS": str(len(entries)), "classes-INITIAL_FORMS": "0"}
    for index, (number, goods) in enumerate(entries):
        data[f"classes-{index}-number"], data[f"classes-{index}-goods_services"] = number, goods
    formset = NiceClassFormSet(data, prefix="classes")
    if formset.is_valid():
        return sorted(formset.classes())
    messages = [message for form in formset.forms for errors in form.errors.values() for message in errors]
    raise ValidationError(messages + list(formset.non_form_errors()))


@dataclass
class _Row:
    """A row that passed every check, ready to be saved."""

    line: int
    kind: str
    fields: dict
    classes: list[tuple[int, str]] | None
    certificate: CheckedUpload
    attachment_role: str
    attachments: list[CheckedUpload]
    letter: CheckedUpload | None
    letter_valid_from: dt.date | None
    letter_valid_until: dt.date | None
    submit: bool


@dataclass
class _Checker:
    """Checks the rows of one import against each other, the filer's records and the ZIP."""

    user: User
    archive: _Archive
    missing_columns: set[str]
    existing: set[tuple[str, str, str]]  # (kind, jurisdiction, number) of the filer's records
    problems: list[ImportProblem] = field(default_factory=list)
    seen: dict[tuple[str, str, str], int] = field(default_factory=dict)  # right → first line
    certificate_lines: dict[str, int] = field(default_factory=dict)  # ZIP member → line using it as a certificate

    def problem(self, line: int, column: str, message: str) -> None:
        self.problems.append(ImportProblem(line, column, message))

    def row(self, line: int, cells: dict[str, str]) -> _Row | None:
        before = len(self.problems)
        kind = code_of(cells.get("kind", ""))
        if kind not in IPR.Kind.values:
            codes = {"value": cells.get("kind", ""), "codes": _codes(IPR.Kind)}
            self.problem(line, "kind", _("“%(value)s” is not a kind; write one of: %(codes)s.") % codes if cells.get("kind")
                         else _("This cell is empty; write one of: %(codes)s.") % codes)
            kind = None
        dates, skip = self._dates(line, cells)
        if _SCIENTIFIC.fullmatch(cells.get("number", "")):
            self.problem(line, "number", _("Excel turned this number into “%(value)s”. Format the column as text and "
                                           "type the number again.") % {"value": cells["number"]})
            skip.add("number")
        skip |= self.missing_columns  # said once already: a missing column, a bad date or number
        submit = self._submit(line, cells.get("submit", ""))
        classes = self._classes(line, cells) if kind == IPR.Kind.TRADEMARK else None
        form = self._form(line, kind, cells, dates, skip=skip) if kind else None
        certificate, attachments = self._documents(line, kind, cells)
        if form is not None and "number" not in skip:
            self._duplicates(line, kind, form.cleaned_data)
        owner = (form.cleaned_data.get("owner_name") if form else None) or cells.get("owner", "")
        letter = self._letter(line, cells, dates, skip=skip, owner=owner, submit=submit)
        if len(self.problems) > before:
            return None
        return _Row(line=line, kind=kind, fields=form.record_fields(), classes=classes, certificate=certificate,
                    attachment_role=form.attachment_role, attachments=attachments, letter=letter,
                    letter_valid_from=dates.get("letter_valid_from"), letter_valid_until=dates.get("letter_valid_until"),
                    submit=submit)

    def _dates(self, line: int, cells: dict[str, str]) -> tuple[dict[str, dt.date | None], set[str]]:
        """The row's dates (None when empty or wrong) and the columns whose date is wrong."""
        dates: dict[str, dt.date | None] = {}
        wrong = set()
        for column in _DATE_COLUMNS:
            value = cells.get(column, "")
            try:
                dates[column] = _parse_date(value) if value else None
            except ValidationError as error:
                self.problem(line, column, error.messages[0])
                dates[column] = None
                wrong.add(column)
        return dates, wrong

    def _submit(self, line: int, value: str) -> bool:
        answer = value.strip().lower()
        if answer and answer not in _YES | _NO:
            self.problem(line, "submit", _("“%(value)s” is neither yes nor no.") % {"value": value})
        return answer not in _NO

    def _classes(self, line: int, cells: dict[str, str]) -> list[tuple[int, str]] | None:
        if "nice_classes" in self.missing_columns:
            return None
        try:
            return _parse_classes(cells.get("nice_classes", ""))
        except ValidationError as error:
            for message in error.messages:
                self.problem(line, "nice_classes", message)
            return None

    def _form(self, line: int, kind: str, cells: dict[str, str], dates: dict, *, skip: set[str]) -> IPRForm:
        def date(column: str) -> str:
            return dates[column].isoformat() if dates[column] else ""

        form = _RowForm({
            "certificate_shows": "registered",  # a pending application is refused by its number instead
            "name": cells.get("name", ""), "number": cells.get("number", ""),
            "jurisdiction": cells.get("jurisdiction", "").upper(), "owner_name": cells.get("owner", ""),
            "registered_on": date("registered_on"), "expires_on": date("expires_on"),
            "patent_type": code_of(cells.get("patent_type", "")), "work_kind": code_of(cells.get("work_kind", "")),
        }, kind=kind)
        for name, errors in form.errors.as_data().items():
            column = _FIELD_COLUMN.get(name, name) if name != NON_FIELD_ERRORS else ""
            if column in skip:
                continue
            for error in errors:
                self.problem(line, column, self._form_message(error, form, name, kind, cells.get(column, "")))
        return form

    @staticmethod
    def _form_message(error: ValidationError, form: forms.Form, name: str, kind: str, value: str) -> str:
        """The form's message, said the way a spreadsheet needs it where the page's wording does not fit."""
        if error.code == "required":
            return _("This cell is empty; %(kind)s rows need it (%(label)s).") % {"kind": kind, "label": form.fields[name].label}
        if error.code == "invalid_choice":
            if name == "jurisdiction":
                return _("“%(value)s” is not an office: write a 2-letter country code (e.g. CN, US, DE), EU or WO.") % {"value": value}
            choices = IPR.PatentType if name == "patent_type" else IPR.WorkKind
            return _("“%(value)s” is not one of: %(codes)s.") % {"value": value, "codes": _codes(choices)}
        return " ".join(error.messages)

    def _files(self, line: int, column: str, value: str) -> list[tuple[zipfile.ZipInfo, CheckedUpload]]:
        found = []
        for name in filter(None, (part.strip() for part in _FILE_SPLIT.split(value))):
            try:
                info = self.archive.find(name)
                found.append((info, self.archive.upload(info)))
            except ValidationError as error:
                for message in error.messages:
                    self.problem(line, column, message)
        return found

    def _documents(self, line: int, kind: str | None, cells: dict[str, str]) -> tuple[CheckedUpload | None, list[CheckedUpload]]:
        certificate = None
        if not cells.get("certificate") and "certificate" not in self.missing_columns:
            self.problem(line, "certificate", _("This cell is empty; name the certificate's file in the ZIP."))
        files = self._files(line, "certificate", cells.get("certificate", ""))
        if len(files) > 1:
            self.problem(line, "certificate", _("One certificate per record: name one file here, and its other pages "
                                                "under attachments."))
        elif files:
            info, certificate = files[0]
            first = self.certificate_lines.setdefault(info.filename, line)
            if first != line:
                self.problem(line, "certificate", _("“%(file)s” is already the certificate of line %(line)s; each "
                                                    "record has its own certificate.") % {"file": cells["certificate"], "line": first})
        attachments = [upload for _info, upload in self._files(line, "attachments", cells.get("attachments", ""))]
        if kind == IPR.Kind.COPYRIGHT and not cells.get("attachments") and "attachments" not in self.missing_columns:
            self.problem(line, "attachments", _("This cell is empty; name at least one sample of the work (files in "
                                                "the ZIP, separated by “;”)."))
        return certificate, attachments

    def _duplicates(self, line: int, kind: str, data: dict) -> None:
        # The database allows one record per right and account (one_record_per_right).
        if not (data.get("jurisdiction") and data.get("number")):
            return
        right = (kind, data["jurisdiction"], data["number"])
        if right in self.existing:
            self.problem(line, "number", _("You have already registered this right (same kind, office and number)."))
        elif right in self.seen:
            self.problem(line, "number", _("Line %(first)s has the same right (%(kind)s, %(office)s, %(number)s); each "
                                           "right is imported once.") % {"first": self.seen[right], "kind": kind,
                                                                         "office": right[1], "number": right[2]})
        self.seen.setdefault(right, line)

    def _letter(self, line: int, cells: dict[str, str], dates: dict, *, skip: set[str], owner: str,
                submit: bool) -> CheckedUpload | None:
        if not cells.get("letter"):
            if cells.get("letter_valid_from") or cells.get("letter_valid_until"):
                self.problem(line, "letter", _("The letter's term is given but not the letter: name its file in the ZIP, "
                                               "or clear the term."))
            elif submit and owner and IPR(filed_by=self.user, owner_name=owner).needs_letter:
                self.problem(line, "letter", self._letter_needed(owner))
            return None
        files = self._files(line, "letter", cells["letter"])
        if len(files) > 1:
            self.problem(line, "letter", _("Name one letter per row."))
        term = LetterTermForm({name: dates[column].isoformat() if dates[column] else ""
                               for name, column in (("valid_from", "letter_valid_from"), ("valid_until", "letter_valid_until"))})
        for name, errors in term.errors.as_data().items():
            column = _FIELD_COLUMN.get(name, "")
            if column in skip:
                continue
            for error in errors:
                self.problem(line, column, _("This cell is empty; a letter needs its term.") if error.code == "required"
                             else " ".join(error.messages))
        return files[0][1] if len(files) == 1 else None

    def _letter_needed(self, owner: str) -> str:
        if self.user.identity == User.Identity.AGENT:
            return _("You file as an agent: to submit this right, name the owner's signed authorisation letter (a file "
                     "in the ZIP) and its term, or set submit to no and upload the letter on the record later.")
        return _("The owner “%(owner)s” is not your account (“%(account)s”): to submit this right, name the owner's "
                 "signed authorisation letter (a file in the ZIP) and its term, or set submit to no and upload the "
                 "letter on the record later.") % {"owner": owner, "account": self.user.complainant_name}


def _header_problems(sheet: Sheet) -> tuple[list[ImportProblem], set[str]]:
    """What is wrong with the header line, and the columns the rows need but the file lacks."""
    needed = {"kind", "name", "number", "jurisdiction", "owner", "certificate"}
    if "kind" in sheet.header:
        for kind in map(code_of, sheet.column_values("kind")):
            if kind in IPR.Kind.values:
                needed |= _columns_needed(kind)
    if sheet.has_cells("letter"):
        needed |= {"letter_valid_from", "letter_valid_until"}
    return sheet.header_problems(columns=COLUMN_NAMES, needed=needed)


# --- The service -------------------------------------------------------------------------

def _refused(problems: list[ImportProblem]) -> ImportRefused:
    return ImportRefused(problems, columns=COLUMN_NAMES)


def ipr_import(*, user: User, csv_file: File, zip_file: File, progress: Progress = no_progress,
               before_commit: Callable[[ImportResult], None] | None = None) -> ImportResult:
    """Import every row of the CSV as a record, with its documents from the ZIP, or nothing at all.

    Raises ``ImportRefused`` with every problem found (each with its line and column)
    and writes nothing, leaving no stored file behind. Rows are submitted for
    authentication unless their ``submit`` column says no. ``before_commit`` is called
    with the result inside the import's transaction, so what it writes commits with the
    records or not at all; if it raises, nothing is imported.
    """
    block = filing_block_reason(user)
    if block:
        raise refuse(block)
    # Both files are looked at before refusing, so one answer names what is wrong with each.
    refusals = []
    try:
        sheet = read_csv(csv_file, columns=COLUMN_NAMES, max_rows=settings.IPP_IPR_IMPORT_MAX_ROWS,
                         aliases={"owner_name": "owner"})
    except ImportRefused as refused:
        refusals += refused.problems
    try:
        archive = _open_zip(zip_file)
    except ImportRefused as refused:
        refusals += refused.problems
    if refusals:
        raise _refused(refusals)

    problems, missing = _header_problems(sheet)
    if "kind" in missing:
        raise _refused(problems)
    # One query for every duplicate check, however many rows.
    existing = set(IPR.objects.filter(filed_by=user).values_list("kind", "jurisdiction", "number"))
    checker = _Checker(user=user, archive=archive, missing_columns=missing, existing=existing, problems=problems)
    rows = []
    progress(ImportJob.Phase.CHECKING, 0, len(sheet.rows))
    for done, (line, cells, overflow) in enumerate(sheet.records(), start=1):
        if overflow:
            checker.problems.append(overflow_problem(line))
        rows.append(checker.row(line, cells))
        progress(ImportJob.Phase.CHECKING, done, len(sheet.rows))
    if checker.problems:
        raise _refused(checker.problems)
    return _save(user=user, rows=rows, progress=progress, before_commit=before_commit)


def _save(*, user: User, rows: list[_Row], progress: Progress = no_progress,
          before_commit: Callable[[ImportResult], None] | None = None) -> ImportResult:
    problems, records, submitted = [], [], 0
    progress(ImportJob.Phase.SAVING, 0, len(rows))
    with _files_removed_unless_committed(), transaction.atomic(durable=True):
        for done, row in enumerate(rows, start=1):
            # Each service call is a savepoint: a refusal undoes that call only, so every row is tried
            # and reported; any refusal then undoes the whole import.
            try:
                ipr = services.ipr_save(
                    user=user, kind=row.kind, fields=row.fields, classes=row.classes, certificate=row.certificate,
                    attachments=[(row.attachment_role, upload) for upload in row.attachments])
                if row.letter is not None:
                    ipr = services.ipr_upload_letter(ipr=ipr, user=user, letter=row.letter, scope=IPR.LetterScope.ENFORCE,
                                                     valid_from=row.letter_valid_from, valid_until=row.letter_valid_until)
                if row.submit:
                    ipr = services.ipr_submit(ipr=ipr, user=user)
                    submitted += 1
            except ValidationError as error:
                problems += [ImportProblem(row.line, "", message) for message in error.messages]
            except services.SubmissionIncomplete as incomplete:
                problems += [ImportProblem(row.line, "", message) for message in incomplete.problems]
            except services.LetterRefused as refused:
                problems.append(ImportProblem(row.line, "letter", str(refused)))
            except IntegrityError:
                # Another import of the same right committed between our check and this insert.
                problems.append(ImportProblem(row.line, "number", _("You have already registered this right (same "
                                                                    "kind, office and number).")))
            else:
                records.append(ipr)
            progress(ImportJob.Phase.SAVING, done, len(rows))
        if problems:
            raise _refused(problems)
        result = ImportResult(records=records, submitted=submitted, drafts=len(records) - submitted)
        if before_commit is not None:
            before_commit(result)
    return result


# --- Import jobs: the import, run by a worker (ipp.bulk) --------------------------------------

def _quick_problems(*, csv_file: File, zip_file: File) -> list[ImportProblem]:
    """What is wrong with the two files that is seen without reading them: their sizes, and whether the ZIP is one."""
    problems = csv_size_problems(csv_file)
    if zip_file.size is not None and zip_file.size > ZIP_MAX_BYTES:
        problems += _zip_too_large().problems
    elif _declared_directory(zip_file) is None:  # reads the last 64 KB only
        problems += _not_a_zip().problems
    return problems


def import_job_create(*, user: User, csv_file: File, zip_file: File) -> ImportJob:
    """Queue the import of ``csv_file`` and ``zip_file`` for ``user``; a worker runs it (``import_job_run``).

    Refuses at once (``ImportRefused``; nothing stored, no job) what needs no reading of
    the files: a filer who may not file, a file over its size limit, an empty CSV,
    documents that are not a ZIP. Otherwise both files are kept in private storage until
    the job ends.
    """
    block = filing_block_reason(user)
    if block:
        raise refuse(block)
    problems = _quick_problems(csv_file=csv_file, zip_file=zip_file)
    if problems:
        raise ImportRefused(problems)
    return jobs.import_job_create(user=user, kind=ImportJob.Kind.IPR, csv_file=csv_file, zip_file=zip_file)


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued import of rights (see ``ipp.bulk.import_job_run``); None if it was not ours to run."""

    def work(job: ImportJob, run: jobs.JobRun, csv_file: File, zip_file: File | None) -> None:
        ipr_import(user=job.owner, csv_file=csv_file, zip_file=zip_file, progress=run.progress,
                   before_commit=lambda result: run.commit_result(
                       created_ids=[ipr.pk for ipr in result.records], submitted=result.submitted, drafts=result.drafts))

    return jobs.import_job_run(job_id=job_id, kind=ImportJob.Kind.IPR, work=work)


# --- The example file --------------------------------------------------------------------

def example_csv(*, user: User, today: dt.date) -> str:
    """An import file with a row of each kind, for ``user`` to copy; valid as it stands once its files are zipped."""
    owner = user.complainant_name or "Example Co., Ltd."
    since, until = today - dt.timedelta(days=3 * 365), today + dt.timedelta(days=7 * 365)
    agent = user.identity == User.Identity.AGENT
    letter = ["authorisation-letter.pdf", today.isoformat(), (today + dt.timedelta(days=365)).isoformat()] if agent else ["", "", ""]
    rows = [
        ["trademark", "ACME", "12345678", "CN", owner, since.isoformat(), until.isoformat(), "", "",
         "25: Clothing, footwear, headgear; 18: Bags; wallets", "tm-12345678.pdf", "tm-12345678-classes.pdf", *letter, "yes"],
        ["patent", "Folding chair hinge", "ZL201920123456.7", "CN", owner, since.isoformat(), until.isoformat(),
         "utility_model", "", "", "patent-hinge.pdf", "patent-hinge-evaluation.pdf", *letter, "yes"],
        ["copyright", "Panda artwork", "2021-F-00012345", "CN", owner, since.isoformat(), "", "", "artwork", "",
         "copyright-panda.pdf", "panda-1.png; panda-2.png", *letter, "no"],
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    writer.writerows(rows)
    # The byte order mark makes Excel open the file as UTF-8, Chinese names included.
    return "\ufeff" + out.getvalue()
