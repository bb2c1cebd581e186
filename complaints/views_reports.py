"""The admins' reports: the transparency report of a period as a page with charts, and as CSV. Thin: the
figures are ``complaints.reports``; this module reads the period, lays the bars out and renders."""

import csv
import io
from dataclasses import dataclass

from django import forms
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ipp.access import admin_required

from . import reports
from .models import Platform
from .views import _cell

# A period longer than this is refused: the report is for months, a decade is a query to avoid.
MAX_PERIOD_DAYS = 3 * 366


class ReportForm(forms.Form):
    """The period (China dates) and the platform; missing dates are the last 30 days."""

    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    platform = forms.ChoiceField(label=_("Platform"), required=False)

    def __init__(self, data, **kwargs):
        default_from, default_until = reports.default_period()
        data = data.copy()
        for name, default in (("date_from", default_from), ("date_until", default_until)):
            if not data.get(name):
                data[name] = default.isoformat()
        super().__init__(data, **kwargs)
        self.fields["platform"].choices = [("", _("All platforms"))] + [
            (platform.code, platform.label) for platform in Platform.objects.order_by("position", "code")]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_until")
        if start and end and start > end:
            self.add_error("date_until", _("The end of the period comes before its start."))
        elif start and end and (end - start).days >= MAX_PERIOD_DAYS:
            self.add_error("date_until", _("Choose a period of at most three years."))
        return data


def _report(request) -> tuple[ReportForm, reports.TransparencyReport | None]:
    form = ReportForm(request.GET)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, reports.transparency_report(date_from=data["date_from"], date_until=data["date_until"],
                                              platform=data["platform"])


# --- Horizontal bar charts, drawn as SVG by the template -----------------------------------------

ROW_HEIGHT = 34  # a line with the label (left) and the value (right), then the bar under it


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as written at the end of the label line
    width: float  # percent of the chart's width
    y: int  # top of the row
    back_width: float | None = None  # a second, lighter bar behind (the 90th percentile behind the median)

    @property
    def label_y(self) -> int:
        return self.y + 13

    @property
    def bar_y(self) -> int:
        return self.y + 18


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]

    @property
    def height(self) -> int:
        return len(self.bars) * ROW_HEIGHT


def bar_chart(title, rows: list[tuple]) -> Chart:
    """Bars of (label, value, text) rows, or (label, value, text, value behind), the largest value full width."""
    values = [value for label, value, text, *behind in rows for value in (value, *behind)]
    largest = max([value for value in values if value] + [0])

    def width(value) -> float:
        return round(100 * value / largest, 2) if largest and value else 0.0

    return Chart(title=str(title), bars=[
        Bar(label=str(label), text=text, width=width(value), y=index * ROW_HEIGHT,
            back_width=width(behind[0]) if behind else None)
        for index, (label, value, text, *behind) in enumerate(rows)])


def _seconds(value) -> float:
    return value.total_seconds() if value is not None else 0


def _charts(report: reports.TransparencyReport) -> dict[str, Chart]:
    notices, takedowns = report.counter_notices, report.takedowns
    return {
        "platforms": bar_chart(_("Complaint items filed, by platform"),
                               [(row.label, row.items, str(row.items)) for row in report.by_platform]),
        "reasons": bar_chart(_("Complaint items filed, by reason"),
                             [(row.label, row.items, str(row.items)) for row in report.by_reason]),
        "outcomes": bar_chart(_("Complaint items filed, by outcome"),
                              [(row.label, row.items, str(row.items)) for row in report.outcomes]),
        "time": bar_chart(_("Time from filing to decision, by platform (median; 90th percentile behind)"),
                          [(row.label, _seconds(row.median), f"{row.median_text} · {row.p90_text}", _seconds(row.p90))
                           for row in [report.time_to_decision, *report.time_by_platform]]),
        "counter_notices": bar_chart(_("What came of the counter-notices"), [
            (str(_("Listing stayed")), notices.listing_stayed, str(notices.listing_stayed)),
            (str(_("Taken down")), notices.taken_down, str(notices.taken_down)),
            (str(_("Withdrawn by the complainant")), notices.withdrawn, str(notices.withdrawn)),
            (str(_("Not decided yet")), notices.undecided, str(notices.undecided))]),
        "takedowns": bar_chart(_("Takedowns, by who decided"), [
            (str(_("Automated: no counter-notice in the window")), takedowns.automated, str(takedowns.automated)),
            (str(_("A reviewer")), takedowns.by_reviewer, str(takedowns.by_reviewer))]),
    }


@admin_required
@require_GET
def admin_reports(request):
    form, report = _report(request)
    return render(request, "complaints/reports/page.html", {
        "form": form, "report": report, "charts": _charts(report) if report else {},
        "query": request.GET.urlencode(),
    })


@admin_required
@require_GET
def admin_reports_export(request):
    """The report's figures as CSV: one row per figure (section, key, value)."""
    form, report = _report(request)
    if report is None:
        return HttpResponseBadRequest("; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()),
                                      content_type="text/plain; charset=utf-8")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "value"])
    for row in reports.report_figures(report):
        writer.writerow([_cell(value) for value in row])
    period = report.period
    name = f"ipp-report-{period.date_from.isoformat()}-{period.date_until.isoformat()}"
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}{"-" + period.platform if period.platform else ""}.csv"'
    return response
