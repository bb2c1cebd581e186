"""Bulk filing of complaints: a CSV with one listing per row, filed as complaints all at once, or not at all.

Each row names a platform, one of the filer's rights, a reason and one product page's
address. Rows with the same platform, right and reason become one complaint, split into
several when they are more than the platform's ``max_listings_per_complaint``.

Every row is checked first, with the rules of one complaint on the page and the API
(``services.ipr_problem``, ``services.reasons_for``, and ``services.listings_check`` on the
addresses of each complaint-to-be, its line numbers mapped back to the CSV's); the same
listing twice anywhere in the file is a duplicate. If any row has a problem nothing is
filed and the filer gets every problem, by line (the header is line 1) and column. Only
then is each complaint filed through ``services.complaint_file``, in one transaction.

The two statements (good faith; accuracy under penalty of perjury) are made once, on the
upload form, for every complaint of the file. On the site the import runs in a worker, as
an ``ipp.models.ImportJob`` of kind ``complaints`` (``ipp.bulk`` reads the CSV and runs the job).
"""

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.db.models import Count
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from ipp import bulk as jobs
from ipp import workdays
from ipp.bulk import EVERY_ROW, Column, ImportProblem, ImportRefused, code_of, read_csv, refuse
from ipp.models import ImportJob
from ipr.models import IPR

from .forms import StatementsForm
from .listing_urls import EXAMPLE_URLS, ProductUrl, UrlProblem, read_line
from .models import Complaint, Platform
from .selectors import complaint_filing_block_reason
from .services import FilingRefused, complaint_file, ipr_problem, listings_check, reasons_for

# --- The columns -------------------------------------------------------------------------------


def _codes(values) -> str:
    return ", ".join(values)


COLUMNS: tuple[Column, ...] = (
    Column("platform", EVERY_ROW, format_lazy(gettext_lazy("The platform's code: {codes}."), codes=_codes(Platform.Code.values))),
    Column("ipr", EVERY_ROW, gettext_lazy("One of your authenticated rights: its id or its registration number, as "
                                          "IPR Management shows them.")),
    Column("reason", EVERY_ROW, format_lazy(
        gettext_lazy("The reason's code; each kind of right has its own: {codes}."),
        codes="; ".join(f"{kind}: {_codes(reasons)}" for kind, reasons in Complaint.REASONS_BY_KIND.items()))),
    Column("url", EVERY_ROW, gettext_lazy("The address of one product page, copied from the browser's address bar. "
                                          "Rows with the same platform, right and reason become one complaint.")),
    Column("description", gettext_lazy("Optional"),
           gettext_lazy("What shows the infringement (a test purchase, how the product differs from the genuine "
                        "one). Give it on one row of a complaint or repeat it; different ones are joined.")),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
_NEEDED = {"platform", "ipr", "reason", "url"}
DESCRIPTION_MAX = Complaint._meta.get_field("description").max_length


class ComplaintImportForm(StatementsForm):
    """The CSV and the two statements of the filing page, made once for every complaint of the file."""

    csv_file = forms.FileField(label=gettext_lazy("CSV file, one listing per row"),
                               widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))
    field_order = ["csv_file", "good_faith_statement", "accuracy_statement"]


@dataclass(frozen=True)
class ComplaintImportResult:
    complaints: list[Complaint]


# --- Checking the rows -------------------------------------------------------------------------

@dataclass
class _Row:
    line: int
    url: str


@dataclass
class _Group:
    """The rows of one platform, right and reason: one complaint, or several at the platform's limit."""

    platform: Platform
    ipr: IPR | None  # None: the row's right is wrong (reported); its addresses are checked all the same
    reason: str
    rows: list[_Row] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)

    def chunks(self) -> list["_Planned"]:
        limit = self.platform.max_listings_per_complaint
        description = "\n\n".join(self.descriptions)
        return [_Planned(group=self, rows=self.rows[start:start + limit], description=description)
                for start in range(0, len(self.rows), limit)]


@dataclass
class _Planned:
    """One complaint to file: its rows' addresses are the lines of its list, in the order of the file."""

    group: _Group
    rows: list[_Row]
    description: str

    @property
    def urls_text(self) -> str:
        # A line break inside a cell would shift every later line; as a space it is one line with two addresses.
        return "\n".join(" ".join(row.url.splitlines()) for row in self.rows)

    def url_problem(self, problem: UrlProblem) -> ImportProblem:
        """A problem of the complaint's list (numbered from 1), said of the CSV line it came from."""
        row = self.rows[min(problem.line, len(self.rows)) - 1]
        return ImportProblem(row.line, "url", problem.message, value=problem.url or row.url, code=problem.code)


def _number_key(number: str) -> str:
    return "".join(number.split()).casefold()


class _Checker:
    """Checks each row's cells against the platforms, the filer's rights, the reasons and the file's other rows."""

    def __init__(self, *, user: User, today: dt.date):
        self.user, self.today = user, today
        self.platforms = list(Platform.objects.all())
        # Each right by its id and by its registration number (without spaces, in any case): one lookup a row.
        self.rights: dict[str, list[IPR]] = {}
        for ipr in IPR.objects.filter(filed_by=user).select_related("filed_by").order_by("pk"):
            for key in {str(ipr.pk), _number_key(ipr.number)}:
                self.rights.setdefault(key, []).append(ipr)
        self.problems: list[ImportProblem] = []
        self.groups: dict[tuple, _Group] = {}
        self.first_line: dict[tuple[str, str], int] = {}  # (platform, listing id) → the line that names it first

    def problem(self, line: int, column: str, message: str, value: str = "", code: str = "") -> None:
        self.problems.append(ImportProblem(line, column, message, value=value, code=code))

    def row(self, line: int, cells: dict[str, str]) -> None:
        platform = self._platform(line, cells.get("platform", ""))
        ipr = self._ipr(line, cells.get("ipr", ""), platform)
        reason = self._reason(line, cells.get("reason", ""), ipr)
        url = self._url(line, cells.get("url", ""), platform)
        if platform is None:
            return  # its address cannot be read without knowing the platform
        key = (platform.code, ipr.pk if ipr else ("?", cells.get("ipr", "").casefold()), reason)
        group = self.groups.setdefault(key, _Group(platform=platform, ipr=ipr, reason=reason))
        if url:
            group.rows.append(_Row(line=line, url=url))
        self._description(line, cells.get("description", ""), group)

    def _platform(self, line: int, value: str) -> Platform | None:
        wanted = code_of(value)
        platform = next((p for p in self.platforms if wanted in (p.code, code_of(p.name))), None) if wanted else None
        codes = {"value": value, "codes": _codes(p.code for p in self.platforms if p.is_active)}
        if platform is None:
            self.problem(line, "platform", _("“%(value)s” is not a platform; write one of: %(codes)s.") % codes if value
                         else _("This cell is empty; write one of: %(codes)s.") % codes, value)
        elif not platform.is_active:
            self.problem(line, "platform", _("%(platform)s does not accept complaints at the moment.") % {
                "platform": platform.label}, value)
            return None
        return platform

    def _ipr(self, line: int, value: str, platform: Platform | None) -> IPR | None:
        if not value:
            self.problem(line, "ipr", _("This cell is empty; write the id or the registration number of one of "
                                        "your rights."))
            return None
        matches = list({ipr.pk: ipr for key in (value, _number_key(value)) for ipr in self.rights.get(key, [])}.values())
        if not matches:
            self.problem(line, "ipr", _("None of your rights has this id or registration number (see IPR "
                                        "Management)."), value)
            return None
        if len(matches) > 1:
            self.problem(line, "ipr", _("Several of your rights match: %(rights)s. Write the id of the one you mean.")
                         % {"rights": "; ".join(f"{ipr.pk}: {ipr}" for ipr in matches)}, value)
            return None
        ipr = matches[0]
        problem = ipr_problem(ipr, platform=platform, on=self.today) if platform else None
        if problem:
            self.problem(line, "ipr", problem, value)
        return ipr

    def _reason(self, line: int, value: str, ipr: IPR | None) -> str:
        reason = code_of(value)
        allowed = [str(choice) for choice in reasons_for(ipr.kind)] if ipr else list(Complaint.Reason.values)
        if reason in allowed:
            return reason
        codes = {"value": value, "codes": _codes(allowed)}
        if not value:
            self.problem(line, "reason", _("This cell is empty; write one of: %(codes)s.") % codes)
        elif ipr and reason in Complaint.Reason.values:
            self.problem(line, "reason", _("“%(value)s” is not a reason for a %(kind)s; write one of: %(codes)s.")
                         % {**codes, "kind": ipr.get_kind_display().lower()}, value)
        else:
            self.problem(line, "reason", _("“%(value)s” is not a reason; write one of: %(codes)s.") % codes, value)
        return reason

    def _url(self, line: int, value: str, platform: Platform | None) -> str:
        """The row's address, or "" when it is missing or names a listing an earlier line names already."""
        if not value:
            self.problem(line, "url", _("This cell is empty; write the address of one product page."))
            return ""
        if platform is None:
            return value
        found = read_line(1, " ".join(value.splitlines()), platform=platform, platforms=self.platforms)
        if isinstance(found, ProductUrl):
            first = self.first_line.setdefault((platform.code, found.listing_id), line)
            if first != line:
                # The page's own words for a listing given twice (services.listings_check).
                self.problem(line, "url", _("The same listing as line %(line)s.") % {"line": first}, value, "duplicate")
                return ""
        return value

    def _description(self, line: int, value: str, group: _Group) -> None:
        if not value or value in group.descriptions:
            return
        group.descriptions.append(value)
        if len("\n\n".join(group.descriptions)) > DESCRIPTION_MAX:
            self.problem(line, "description", _("The descriptions of this complaint's rows add up to more than "
                                                "%(limit)s characters; shorten them.") % {"limit": DESCRIPTION_MAX})
            group.descriptions.pop()


def _refused(problems: list[ImportProblem]) -> ImportRefused:
    return ImportRefused(problems, columns=COLUMN_NAMES)


_STATEMENTS_MISSING = gettext_lazy("Make both statements (good faith; accuracy under penalty of perjury): they apply "
                                   "to every complaint of the file.")


def complaint_import(*, user: User, csv_file: File, statements: bool, progress: jobs.Progress = jobs.no_progress,
                     before_commit: Callable[[ComplaintImportResult], None] | None = None) -> ComplaintImportResult:
    """File every row of the CSV in its complaint, or nothing at all.

    Raises ``ImportRefused`` with every problem found (each with its line, column and
    value) and files nothing. ``statements`` says the filer made both statements for the
    whole file. ``before_commit`` is called with the result inside the transaction that
    files the complaints, so what it writes commits with them or not at all.
    """
    block = complaint_filing_block_reason(user)
    if block:
        raise refuse(block)
    if not statements:
        raise refuse(str(_STATEMENTS_MISSING))
    sheet = read_csv(csv_file, columns=COLUMN_NAMES, max_rows=settings.IPP_COMPLAINT_IMPORT_MAX_ROWS)
    problems, missing = sheet.header_problems(columns=COLUMN_NAMES, needed=_NEEDED)
    if missing:
        raise _refused(problems)  # a row without its platform, right, reason or address cannot be checked
    checker = _Checker(user=user, today=workdays.today_in_china())
    checker.problems += problems
    total = len(sheet.rows)
    progress(ImportJob.Phase.CHECKING, 0, total)
    for line, cells, overflow in sheet.records():
        if overflow:
            checker.problems.append(jobs.overflow_problem(line))
        checker.row(line, cells)
    planned = [chunk for group in checker.groups.values() for chunk in group.chunks()]
    # The addresses are checked a complaint at a time, as the page checks one complaint's list.
    done = total - sum(len(chunk.rows) for chunk in planned)
    for chunk in planned:
        check = listings_check(platform=chunk.group.platform, text=chunk.urls_text, complainant=user)
        checker.problems += [chunk.url_problem(problem) for problem in check.problems]
        done += len(chunk.rows)
        progress(ImportJob.Phase.CHECKING, done, total)
    if checker.problems:
        raise _refused(checker.problems)
    return _file(user=user, planned=planned, progress=progress, before_commit=before_commit)


def _file(*, user: User, planned: list[_Planned], progress: jobs.Progress,
          before_commit: Callable[[ComplaintImportResult], None] | None) -> ComplaintImportResult:
    problems, filed = [], []
    progress(ImportJob.Phase.SAVING, 0, len(planned))
    with transaction.atomic(durable=True):
        for done, chunk in enumerate(planned, start=1):
            # Each filing is a savepoint: a refusal (a listing reported meanwhile, a right just withdrawn)
            # undoes that complaint only, so every one is tried and reported; any refusal then undoes all.
            try:
                filed.append(complaint_file(
                    user=user, platform_code=chunk.group.platform.code, ipr_id=chunk.group.ipr.pk,
                    reason=chunk.group.reason, urls_text=chunk.urls_text, description=chunk.description,
                    statements=True, source=Complaint.Source.BULK))
            except FilingRefused as refused:
                problems += _refusal_problems(chunk, refused)
            progress(ImportJob.Phase.SAVING, done, len(planned))
        if problems:
            raise _refused(problems)
        result = ComplaintImportResult(complaints=filed)
        if before_commit is not None:
            before_commit(result)
    return result


def _refusal_problems(chunk: _Planned, refused: FilingRefused) -> list[ImportProblem]:
    problems = []
    for name, messages in refused.errors.items():
        if name == "urls":
            problems += [chunk.url_problem(problem) if isinstance(problem, UrlProblem)
                         else ImportProblem(chunk.rows[0].line, "url", str(problem)) for problem in messages]
        else:
            column = name if name in COLUMN_NAMES else ""
            problems += [ImportProblem(chunk.rows[0].line, column, str(message)) for message in messages]
    return problems


# --- Import jobs (ipp.bulk) --------------------------------------------------------------------

def complaint_import_job_create(*, user: User, csv_file: File, statements: bool) -> ImportJob:
    """Queue the filing of ``csv_file``'s complaints for ``user``; a worker runs it (``complaint_import_job_run``).

    Refuses at once (``ImportRefused``; nothing stored, no job) a filer who may not file,
    a file without the two statements, and a CSV over its size limit or empty. A job is
    only ever created with both statements made, so its run files with them.
    """
    block = complaint_filing_block_reason(user)
    if block:
        raise refuse(block)
    if not statements:
        raise refuse(str(_STATEMENTS_MISSING))
    problems = jobs.csv_size_problems(csv_file)
    if problems:
        raise ImportRefused(problems)
    return jobs.import_job_create(user=user, kind=ImportJob.Kind.COMPLAINTS, csv_file=csv_file)


def complaint_import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued filing of complaints (see ``ipp.bulk.import_job_run``); None if it was not ours to run."""

    def work(job: ImportJob, run: jobs.JobRun, csv_file: File, zip_file: File | None) -> None:
        complaint_import(user=job.owner, csv_file=csv_file, statements=True, progress=run.progress,
                         before_commit=lambda result: run.commit_result(created_ids=[c.pk for c in result.complaints]))

    return jobs.import_job_run(job_id=job_id, kind=ImportJob.Kind.COMPLAINTS, work=work)


def complaints_of_job(job: ImportJob) -> list[Complaint]:
    """The complaints a finished job filed, in the order it filed them, each with its count of listings."""
    complaints = (Complaint.objects.filter(pk__in=job.created_ids, complainant=job.owner).select_related("platform")
                  .annotate(listings=Count("items")).order_by("pk"))
    return list(complaints)


# --- The template file -------------------------------------------------------------------------

# A product page's address on each platform, with an example listing id: the template's rows
# must be replaced by the filer's own listings (these resolve to none, so they cannot be filed by mistake).
_EXAMPLE_RIGHTS = 3


def template_csv(*, user: User, today: dt.date) -> str:
    """A file to fill in: a row or two for each of the filer's first rights usable today, with example addresses."""
    platforms = [p for p in Platform.objects.filter(is_active=True) if p.code in EXAMPLE_URLS]
    rights = list(IPR.objects.filter(filed_by=user).select_related("filed_by").order_by("kind", "name", "pk"))
    numbers = [ipr.number for ipr in rights]
    examples = []
    for ipr in rights:
        platform = next((p for p in platforms if ipr_problem(ipr, platform=p, on=today) is None), None)
        if platform is not None and reasons_for(ipr.kind):
            # The number reads better; the id where two of the filer's rights share a number.
            examples.append((platform, ipr.number if numbers.count(ipr.number) == 1 else str(ipr.pk), reasons_for(ipr.kind)[0]))
        if len(examples) == _EXAMPLE_RIGHTS:
            break
    if not examples and platforms:
        examples = [(platforms[0], _("your right's id or number"), Complaint.Reason.COUNTERFEIT)]
    description = _("Test purchase: the logo and the packaging differ from our genuine product.")
    rows, listing_id = [], 1_000_000_001
    for index, (platform, right, reason) in enumerate(examples):
        # Two listings of the first right's complaint show that rows of one complaint share its cells.
        for _twice in range(2 if index == 0 else 1):
            rows.append([platform.code, right, reason.value, EXAMPLE_URLS[platform.code].format(id=listing_id),
                         description if listing_id == 1_000_000_001 else ""])
            listing_id += 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    writer.writerows(rows)
    # The byte order mark makes Excel open the file as UTF-8, Chinese text included.
    return "\ufeff" + out.getvalue()


def rights_to_name(*, user: User) -> list[tuple[IPR, list[str]]]:
    """The filer's authenticated rights as the ``ipr`` column names them, each with the reasons its kind supports."""
    rights = IPR.objects.filter(filed_by=user, status=IPR.Status.APPROVED).order_by("kind", "name", "pk")
    return [(ipr, [str(reason) for reason in reasons_for(ipr.kind)]) for ipr in rights]
