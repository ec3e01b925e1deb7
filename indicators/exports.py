"""A report as CSV (one row per figure, row and column: tidy data for a spreadsheet or a script)
and as XLSX (a summary sheet, then one sheet per figure as it is shown on the page). Built from
the same report as the page, so the downloads hold exactly the figures shown, no more. Labels
are names of countries, regions, sectors and choices; a cell that a spreadsheet would run as a
formula is neutralised anyway (CSV injection)."""

import csv
import io
import re

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from companies.exports import safe_cell

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SHEET_NAME_LENGTH = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")


def _period_rows(report):
    period = report.period
    return [
        (_("Period"), _("From"), period.start.isoformat() if period.start else ""),
        (_("Period"), _("To"), period.end.isoformat()),
    ]


def csv_rows(report):
    """Header, then figure, row, column and value for every number of the report."""
    rows = [[_("Figure"), _("Row"), _("Column"), _("Value")]]
    rows += [[figure, row, "", value] for figure, row, value in _period_rows(report)]
    for figure in report.figures:
        for label, values in figure.rows:
            for column, value in zip(figure.columns, values, strict=False):
                rows.append([figure.title, label, column, value])
    return rows


def to_csv(report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in csv_rows(report):
        writer.writerow([value if isinstance(value, int) else safe_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode()  # the BOM: spreadsheets read it as UTF-8


def _text(value):
    if isinstance(value, int | float):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value))


def _sheet_name(title, taken):
    base = _SHEET_FORBIDDEN.sub(" ", title).strip()[:SHEET_NAME_LENGTH] or _("Figures")
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: SHEET_NAME_LENGTH - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def to_xlsx(report) -> bytes:
    workbook = Workbook()
    bold = Font(bold=True)
    summary = workbook.active
    taken = set()
    summary.title = _sheet_name(_("Summary"), taken)
    summary.append([_text(report.name)])
    summary["A1"].font = bold
    summary.append([_("Period"), _text(report.period.label())])
    summary.append([_("Generated"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    summary.append([])
    summary.append([_("Figure"), _("Row"), _("Value")])
    for cell in summary[summary.max_row]:
        cell.font = bold
    for figure in report.figures:
        for label, values in figure.rows:
            if len(values) == 1:
                summary.append([_text(figure.title), _text(label), values[0]])
    for figure in report.figures:
        sheet = workbook.create_sheet(_sheet_name(figure.title, taken))
        sheet.append([_text(figure.title)])
        sheet["A1"].font = bold
        sheet.append([_text(figure.label_heading), *(_text(c) for c in figure.columns)])
        for cell in sheet[2]:
            cell.font = bold
        for label, values in figure.rows:
            sheet.append([_text(label), *values])
        if figure.note:
            sheet.append([])
            sheet.append([_text(figure.note)])
        sheet.column_dimensions["A"].width = 48
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(report, fmt: str) -> HttpResponse:
    content = to_csv(report) if fmt == "csv" else to_xlsx(report)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    name = slugify(f"{report.name} {report.period.key}") or "figures"
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
