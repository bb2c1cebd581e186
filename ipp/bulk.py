"""Bulk imports from a CSV, run by a worker: what the imports of IP rights and of complaints share.

Each import (``ipr.bulk``: rights, with a ZIP of their documents; ``complaints.bulk``:
listings to complain about) checks every row first and then saves all rows or none.
This module holds the rest, once:

- reading the CSV as spreadsheets save it (UTF-8 with or without a byte order mark, or
  GBK; commas, semicolons or tabs), its rows numbered as in the spreadsheet (the header
  is line 1), its header checked against the import's columns;
- the problems, each with its line, column and value, and the refusal that carries them;
- the ``ImportJob`` that runs an import in the worker: the web request stores the
  uploaded files and queues the job (``import_job_create``); the worker claims it once
  (a redelivered message runs nothing), writes its progress for the filer's page, keeps
  its outcome and deletes its files (``import_job_run``); a sweep queues again the jobs
  that a lost message or a dead worker left behind (``import_jobs_resend_sweep``);
- the job's page, which htmx polls while the worker runs it (``import_job_page``).
"""

import csv
import datetime as dt
import io
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import ExitStack, suppress
from dataclasses import asdict, dataclass

from django import forms
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import F, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User

from .models import ImportJob
from .tasks import enqueue

logger = logging.getLogger(__name__)

_MB = 1024 * 1024
# The CSV is read whole into memory; 10 MB holds thousands of rows with long cells.
CSV_MAX_BYTES = 10 * _MB


# --- Columns, problems and refusals ---------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A column of an import, as its page explains it."""

    name: str
    needed_for: Promise
    help: Promise


EVERY_ROW = gettext_lazy("Every row")


@dataclass(frozen=True)
class ImportProblem:
    """One problem: its spreadsheet line (the header is line 1; none for the whole file), column and value.

    ``code`` names the kind of problem where one exists (a listing address's error code).
    """

    line: int | None
    column: str
    message: str
    value: str = ""
    code: str = ""

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        if self.column:
            return _("Line %(line)s, %(column)s: %(message)s") % {"line": self.line, "column": self.column, "message": self.message}
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "ImportProblem":
        return cls(**data)


class ImportRefused(Exception):
    """Nothing was imported; ``problems`` says why, in the order of the lines (and of ``columns`` within a line)."""

    def __init__(self, problems: list[ImportProblem], *, columns: Sequence[str] = ()):
        order = {name: index for index, name in enumerate(columns)}
        self.problems = sorted(problems, key=lambda p: (p.line or 0, order.get(p.column, -1)))
        super().__init__("; ".join(str(p) for p in self.problems))


def refuse(message: str) -> ImportRefused:
    """A refusal of the whole file, with no line."""
    return ImportRefused([ImportProblem(None, "", message)])


def _csv_too_large() -> ImportRefused:
    return refuse(_("The CSV file is larger than %(limit)s MB; split it into several files.") % {"limit": CSV_MAX_BYTES // _MB})


def _csv_empty() -> ImportRefused:
    return refuse(_("The CSV file is empty."))


def csv_size_problems(csv_file: File) -> list[ImportProblem]:
    """What is wrong with the CSV that is seen without reading it (said before a job is queued)."""
    if csv_file.size is not None and csv_file.size > CSV_MAX_BYTES:
        return _csv_too_large().problems
    if csv_file.size == 0:
        return _csv_empty().problems
    return []


def overflow_problem(line: int) -> ImportProblem:
    return ImportProblem(line, "", _("This row has more cells than the header has columns; a comma inside a cell "
                                     "needs the cell in double quotes."))


def code_of(value: str) -> str:
    """A cell as a code: "Utility model" and "utility-model" are ``utility_model``."""
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


# --- Reading the CSV ---------------------------------------------------------------------------

def _decode(raw: bytes) -> str:
    if raw.startswith(b"PK\x03\x04"):
        raise refuse(_("This is an Excel workbook (or a ZIP), not a CSV file. In Excel choose File › Save As › "
                       "“CSV UTF-8 (Comma delimited)”."))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        raise refuse(_("This is not a CSV text file. Save the spreadsheet as “CSV UTF-8 (Comma delimited)”."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel in China saves "CSV" in the system's code page (GBK, which GB18030 contains).
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise refuse(_("The CSV file's text cannot be read. Save it as “CSV UTF-8 (Comma delimited)”.")) from None


def _column_key(header_cell: str, aliases: dict[str, str]) -> str:
    """A header cell as a column name: any case, spaces or hyphens for underscores, a known alias for its column."""
    key = code_of(header_cell.lstrip("\ufeff"))
    return aliases.get(key, key)


def _delimiter(text: str, *, columns: Collection[str], aliases: dict[str, str]) -> str:
    """Comma, unless the header line is separated by semicolons or tabs (Excel in some locales)."""
    header = text.splitlines()[0]

    def known(delimiter: str) -> int:
        try:
            cells = next(csv.reader([header], delimiter=delimiter), [])
        except csv.Error:
            return 0
        return sum(_column_key(cell, aliases) in columns for cell in cells)

    return max((",", ";", "\t"), key=known)


@dataclass
class Sheet:
    header: list[str]  # column names, "" for cells without a header
    rows: list[tuple[int, list[str]]]  # (spreadsheet line, cells), blank rows left out

    def records(self) -> Iterator[tuple[int, dict[str, str], bool]]:
        """Each row as (line, {column: cell}, whether it has cells beyond the header's columns)."""
        width = len(self.header)
        for line, cells in self.rows:
            named = {key: value for key, value in zip(self.header, cells, strict=False) if key}
            yield line, named, len(cells) > width and any(cells[width:])

    def has_cells(self, column: str) -> bool:
        """Whether any row fills ``column``."""
        if column not in self.header:
            return False
        at = self.header.index(column)
        return any(at < len(cells) and cells[at] for _line, cells in self.rows)

    def column_values(self, column: str) -> Iterator[str]:
        """The cells of ``column``, row by row ("" where a row is short)."""
        at = self.header.index(column)
        return (cells[at] if at < len(cells) else "" for _line, cells in self.rows)

    def header_problems(self, *, columns: Sequence[str], needed: set[str]) -> tuple[list[ImportProblem], set[str]]:
        """What is wrong with the header line, and which of the ``needed`` columns it lacks."""
        problems = []
        present = [key for key in self.header if key]
        unknown = [key for key in present if key not in columns]
        if unknown:
            problems.append(ImportProblem(1, "", _("Unknown columns: %(unknown)s. The columns are: %(columns)s.")
                                          % {"unknown": ", ".join(unknown), "columns": ", ".join(columns)}))
        twice = sorted({key for key in present if present.count(key) > 1})
        if twice:
            problems.append(ImportProblem(1, "", _("Columns named twice: %(columns)s.") % {"columns": ", ".join(twice)}))
        missing = needed - set(present)
        if missing:
            problems.append(ImportProblem(1, "", _("Missing columns: %(columns)s. Add them (see the example CSV).")
                                          % {"columns": ", ".join(sorted(missing, key=list(columns).index))}))
        return problems, missing


def read_csv(csv_file: File, *, columns: Sequence[str], max_rows: int, aliases: dict[str, str] | None = None) -> Sheet:
    """The CSV's header (as column names) and its non-blank rows, each with its spreadsheet line.

    Refuses (``ImportRefused``, one message) a file too large, empty, not a CSV, without a
    header naming any of ``columns``, without rows, or with more than ``max_rows`` rows.
    """
    aliases = aliases or {}
    if csv_file.size is not None and csv_file.size > CSV_MAX_BYTES:
        raise _csv_too_large()
    csv_file.seek(0)
    raw = csv_file.read(CSV_MAX_BYTES + 1)
    if len(raw) > CSV_MAX_BYTES:
        raise _csv_too_large()
    text = _decode(raw)
    if not text.strip():
        raise _csv_empty()
    records = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text, columns=columns, aliases=aliases))
    try:
        # A record is a spreadsheet row even when a quoted cell spans several lines of text.
        numbered = [(line, [cell.strip() for cell in cells]) for line, cells in enumerate(records, start=1)]
    except csv.Error as error:
        raise refuse(_("The CSV file cannot be read after line %(line)s (%(error)s). Save it again as "
                       "“CSV UTF-8 (Comma delimited)”.") % {"line": records.line_num, "error": error}) from None
    header = [_column_key(cell, aliases) for cell in numbered[0][1]]
    if not any(key in columns for key in header):
        raise refuse(_("This does not look like an import file: its first line must name the columns (%(columns)s). "
                       "Start from the example CSV.") % {"columns": ", ".join(columns)})
    rows = [(line, cells) for line, cells in numbered[1:] if any(cells)]
    if not rows:
        raise refuse(_("The CSV file has its header but no rows below it."))
    if len(rows) > max_rows:
        raise refuse(_("The CSV file has %(rows)s rows; at most %(limit)s can be imported at once. Split it into "
                       "several files.") % {"rows": len(rows), "limit": max_rows})
    return Sheet(header=header, rows=rows)


# progress(phase, done, in all): told of each row as it is checked ("checking", outside any
# transaction) and of each thing saved ("saving", inside the import's transaction).
Progress = Callable[[str, int, int], None]


def no_progress(phase: str, done: int, total: int) -> None:
    pass


# --- Import jobs: an import, run by a worker ---------------------------------------------------
#
# Checking and saving a few hundred rows takes longer than a web request may (300 rights
# with a PDF and a PNG each: ~30 s on two cores; 10,000 listings to look up). So the request
# only stores the files and queues an ``ImportJob``; a worker runs the import and writes its
# progress, which the filer's page polls.

# The task's hard time limit, in seconds (see ImportJob.TIME_LIMIT for why 50 minutes).
IMPORT_TIME_LIMIT = ImportJob.TIME_LIMIT
IMPORT_SOFT_TIME_LIMIT = IMPORT_TIME_LIMIT - 60
# A job claimed this many times without ending (each time its worker died) is given up.
IMPORT_MAX_ATTEMPTS = 3
# Progress is written every this many rows or seconds, whichever comes first.
PROGRESS_EVERY_ROWS = 25
PROGRESS_EVERY_SECONDS = 1.0
RECENT_JOBS = 10
# A queued job whose message has not started it by then was probably lost (broker down at upload).
IMPORT_RESEND_AFTER = dt.timedelta(minutes=10)

# The task that runs each kind of job, by name (this module does not import the apps), and
# the CSV's name in storage (ours, never the filer's).
_TASKS = {ImportJob.Kind.IPR: "ipr.tasks.run_import_job", ImportJob.Kind.COMPLAINTS: "complaints.tasks.run_import_job"}
_STORED_CSV = {ImportJob.Kind.IPR: "rights.csv", ImportJob.Kind.COMPLAINTS: "complaints.csv"}


class _ClaimLost(Exception):
    """The job is no longer this run's: it was claimed again (this run outlived its time limit) or deleted."""


def _shown_name(upload: File) -> str:
    return os.path.basename((getattr(upload, "name", "") or "").replace("\\", "/"))[:255]


def import_job_create(*, user: User, kind: str, csv_file: File, zip_file: File | None = None) -> ImportJob:
    """Keep the files in private storage and queue a job of ``kind`` for ``user``, once its row is committed.

    The caller has refused already what it can without reading the files. The files stay
    under names of our own until the job ends (``import_job_run`` deletes them).
    """
    folder = f"imports/{uuid.uuid4()}"
    stored: list[str] = []
    try:
        stored.append(default_storage.save(f"{folder}/{_STORED_CSV[kind]}", csv_file))
        if zip_file is not None:
            stored.append(default_storage.save(f"{folder}/documents.zip", zip_file))
        with transaction.atomic(durable=True):
            job = ImportJob.objects.create(
                owner=user, kind=kind, language=translation.get_language() or settings.LANGUAGE_CODE,
                csv_name=_shown_name(csv_file), csv_path=stored[0],
                zip_name=_shown_name(zip_file) if zip_file is not None else "", zip_path=stored[1] if zip_file is not None else "")
            enqueue(_TASKS[kind], job.pk)
    except BaseException:
        _delete_stored(stored)
        raise
    return job


# work(job, run, csv_file, zip_file or None): the import itself, reporting through ``run``.
Work = Callable[[ImportJob, "JobRun", File, File | None], None]


def import_job_run(*, job_id: int, kind: str, work: Work) -> ImportJob | None:
    """Run a queued job of ``kind`` with ``work``: every row is imported, or none. Returns the job as it ended, or
    None if it was not ours to run.

    Idempotent: the job is claimed by a conditional UPDATE (queued → running), so a
    message delivered twice runs it once; a job still ``running`` ``IMPORT_TIME_LIMIT``
    after it started (its worker died) may be claimed again, up to ``IMPORT_MAX_ATTEMPTS``
    times. ``work`` writes the outcome with ``run.commit_result`` inside its transaction,
    so the job ends ``done`` with what it saved or not at all (a worker dying in between
    cannot import twice); it ends ``failed`` (``ImportRefused``: every problem, by line) or
    ``error`` (an unexpected exception: logged, nothing imported). Its files are then deleted.
    """
    job = _import_job_claim(job_id, kind)
    if job is None:
        return None
    run = JobRun(job)
    with translation.override(job.language):
        try:
            with ExitStack() as files:
                csv_file = files.enter_context(default_storage.open(job.csv_path, "rb"))
                zip_file = files.enter_context(default_storage.open(job.zip_path, "rb")) if job.zip_path else None
                work(job, run, csv_file, zip_file)
        except ImportRefused as refused:
            ended = run.end(status=ImportJob.Status.FAILED, problems=refused.problems)
        except _ClaimLost:
            logger.warning("import job %s was claimed again or deleted while this run worked on it; this run kept nothing", job_id)
            ended = False
        except Exception:  # anything unforeseen: its transaction rolled back, the filer is told to try again
            logger.exception("import job %s crashed; nothing was imported", job_id)
            ended = run.end(status=ImportJob.Status.ERROR)
        else:
            ended = True
        finally:
            run.close()
    if not ended:
        return None
    _import_job_delete_files(job)
    job.refresh_from_db()
    return job


def _import_job_claim(job_id: int, kind: str) -> ImportJob | None:
    now = timezone.now()
    abandoned = now - dt.timedelta(seconds=IMPORT_TIME_LIMIT)
    claimable = Q(status=ImportJob.Status.QUEUED) | Q(status=ImportJob.Status.RUNNING, started_at__lt=abandoned)
    # Re-checking the status in the UPDATE makes two deliveries of one message race safely: one of them claims it.
    claimed = ImportJob.objects.filter(claimable, pk=job_id, kind=kind, attempts__lt=IMPORT_MAX_ATTEMPTS).update(
        status=ImportJob.Status.RUNNING, started_at=now, attempts=F("attempts") + 1,
        phase=ImportJob.Phase.CHECKING, processed_rows=0, total_rows=0)
    if claimed:
        return ImportJob.objects.select_related("owner").get(pk=job_id)
    given_up = ImportJob.objects.filter(pk=job_id, kind=kind, status=ImportJob.Status.RUNNING, started_at__lt=abandoned,
                                        attempts__gte=IMPORT_MAX_ATTEMPTS)
    if given_up.update(status=ImportJob.Status.ERROR, finished_at=now):
        logger.error("import job %s took its worker down %s times; given up", job_id, IMPORT_MAX_ATTEMPTS)
        _import_job_delete_files(ImportJob.objects.get(pk=job_id))
    return None


class JobRun:
    """One claim of a job: writes its progress and its outcome, only while the claim is still this run's.

    Where progress is written, and why. Checking runs outside any transaction, so its
    progress is an ordinary UPDATE that commits at once. Saving runs inside the import's
    one transaction, and on PostgreSQL what is written there is seen by nobody else until
    it commits — progress included, so the filer's page would sit at "0 saved" until the
    end. While that transaction is open, progress therefore goes through a second
    connection of its own, in autocommit (opened at the first thing saved, closed before
    the outcome is written): each UPDATE commits at once and touches only the job's row,
    which the import's transaction leaves alone until its last statement (the outcome,
    ``commit_result``). A lock timeout bounds any wait on that row all the same, and a
    failure there only stops the progress reports. On SQLite (development) a second
    connection cannot write while the import holds the database's write lock, so saving
    progress is coarse: the page says "saving" until the rows are committed.
    """

    def __init__(self, job: ImportJob):
        self.job = job
        # Our claim: the attempt number changes if another run claims the job.
        self.claim = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING, attempts=job.attempts)
        # Atomic blocks open when the run started (a test's own, say): more means the import's transaction is open.
        self._depth = len(transaction.get_connection().atomic_blocks)
        self._aside = None  # the second connection, while it is open
        self._aside_off = False  # not to be used (not PostgreSQL, failed, or the outcome is being written)
        self._phase, self._done, self._at = "", -1, 0.0

    def progress(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if (phase == self._phase and 0 < done < total and done - self._done < PROGRESS_EVERY_ROWS
                and now - self._at < PROGRESS_EVERY_SECONDS):
            return
        self._phase, self._done, self._at = phase, done, now
        values = {"phase": phase, "processed_rows": done, "total_rows": total}
        if len(transaction.get_connection().atomic_blocks) > self._depth:
            self._write_aside(values)
        elif not self.claim.update(**values):
            raise _ClaimLost

    def _write_aside(self, values: dict) -> None:
        if self._aside_off or transaction.get_connection().vendor != "postgresql":
            return
        meta = ImportJob._meta
        try:
            if self._aside is None:
                self._aside = connections.create_connection(DEFAULT_DB_ALIAS)
                with self._aside.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '2s'")
            quote = self._aside.ops.quote_name
            column = {name: quote(meta.get_field(name).column) for name in (*values, "id", "status", "attempts")}
            statement = (f"UPDATE {quote(meta.db_table)} SET "  # noqa: S608 (names from the model; values are parameters)
                         + ", ".join(f"{column[name]} = %s" for name in values)
                         + f" WHERE {column['id']} = %s AND {column['status']} = %s AND {column['attempts']} = %s")
            with self._aside.cursor() as cursor:
                cursor.execute(statement, [*values.values(), self.job.pk, ImportJob.Status.RUNNING, self.job.attempts])
        except DatabaseError:
            logger.warning("import job %s: progress not written; the page shows it again at the end", self.job.pk,
                           exc_info=True)
            self.close()

    def commit_result(self, *, created_ids: list[int], **counts: int) -> None:
        """The outcome, written inside the import's transaction: it commits with the records, or neither does.

        ``created_ids`` are the records the import created; ``counts`` any counts of its kind (submitted, drafts).
        """
        self.close()  # no progress write may wait on the row this UPDATE locks
        count = len(created_ids)
        if not self.claim.update(status=ImportJob.Status.DONE, phase=ImportJob.Phase.SAVING, total_rows=count,
                                 processed_rows=count, records=count, created_ids=created_ids,
                                 finished_at=timezone.now(), **counts):
            raise _ClaimLost

    def end(self, *, status: str, problems: list[ImportProblem] = ()) -> bool:
        """A refused or crashed run's outcome; False if the job is no longer this run's."""
        return bool(self.claim.update(status=status, problems=[problem.as_json() for problem in problems],
                                      finished_at=timezone.now()))

    def close(self) -> None:
        self._aside_off = True
        if self._aside is not None:
            self._aside.close()
            self._aside = None


def _delete_stored(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # an orphaned file must not hide what happened  # noqa: BLE001
            logger.exception("could not delete %s", name)
    for folder in {name.rpartition("/")[0] for name in names}:
        # Local storage keeps empty folders (object stores have none, and no path).
        with suppress(NotImplementedError, OSError):
            os.rmdir(default_storage.path(folder))


def _import_job_delete_files(job: ImportJob) -> None:
    _delete_stored([name for name in (job.csv_path, job.zip_path) if name])
    ImportJob.objects.filter(pk=job.pk).update(csv_path="", zip_path="")


def recent_import_jobs(*, user: User, kind: str) -> list[ImportJob]:
    """The filer's last imports of ``kind``, newest first."""
    jobs = ImportJob.objects.filter(owner=user, kind=kind).defer("problems", "created_ids")
    return list(jobs.order_by("-created_at", "-pk")[:RECENT_JOBS])


def import_jobs_resend_sweep(*, as_of: dt.datetime, dry_run: bool = False) -> int:
    """Queue again the jobs, of every kind, that nobody started (a lost message) or whose worker died.

    Safe to repeat: a job runs only once it is claimed, so an extra message is a no-op.
    """
    stale = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED, created_at__lt=as_of - IMPORT_RESEND_AFTER)
        | Q(status=ImportJob.Status.RUNNING, started_at__lt=as_of - dt.timedelta(seconds=IMPORT_TIME_LIMIT))
    )
    jobs = list(stale.order_by("pk").values_list("pk", "kind")[:1000])
    if not dry_run:
        with transaction.atomic():
            for job_id, kind in jobs:
                enqueue(_TASKS[kind], job_id)
    return len(jobs)


# --- The pages ---------------------------------------------------------------------------------------

def import_job_page(request, *, pk: int, kind: str, page: str, part: str, job_view: str, import_view: str,
                    form_class: type[forms.Form], context: Callable[[ImportJob], dict] = lambda job: {}):
    """One job's progress and outcome: ``page`` whole, or only its status ``part`` when htmx polls it.

    Someone else's job answers like a missing one. A job that ended without importing
    offers ``form_class`` to try again (posted to ``import_view``); ``job_view`` is the URL
    name of this page, which the part polls. ``context`` adds what the kind's templates need.
    """
    job = get_object_or_404(ImportJob, pk=pk, owner=request.user, kind=kind)
    ended_badly = not job.is_active and job.state != ImportJob.Status.DONE
    response = render(request, part if request.htmx else page, {
        "job": job, "problems": [ImportProblem.from_json(problem) for problem in job.problems],
        "form": form_class() if ended_badly else None, "job_view": job_view, "import_view": import_view, **context(job)})
    patch_vary_headers(response, ["HX-Request"])  # the same URL answers a page or a part of one
    return response


def csv_download(text: str, *, filename: str) -> HttpResponse:
    """A CSV file to save, such as an import's template."""
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
