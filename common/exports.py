"""Spreadsheet files for download, CSV and XLSX, whose cells a spreadsheet reads as data and never
runs as formulas.

Names, reasons and question texts are typed by people the files' readers should not have to trust:
an agency named `=HYPERLINK("https://…?"&B2,"…")` would, in Excel or LibreOffice, send the cell
beside it to another site, and `@SUM(…)` or `-2+3` would be computed. OWASP's "CSV Injection"
guidance is to write such a cell as text, behind a leading apostrophe; `cell_safe` does that, and
every writer of the project goes through it: `rows_csv` and `rows_xlsx` here, and the
django-import-export resources through `FormulaSafeResourceMixin`.

Guarantees:
- No text cell of a file written here starts with = + - @, a tab or a carriage return, unless it
  is a plain number ("-0.40"); so no cell of a CSV is read as a formula, and no cell of an XLSX is
  stored as one (openpyxl reads each back as a string, data_type "s").
- Numbers, Decimals, dates and times stay what they are: a score of -0.40 is a number in XLSX,
  and "-0.40" in CSV, which a spreadsheet reads as a number.
- CSV is UTF-8 with a byte-order mark, so that Excel opens Thai text as Thai.
- A file exported by a `FormulaSafeResourceMixin` resource and imported again comes back as it
  was: the import takes the apostrophe off (`cell_restored`).
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

import tablib
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

# The first characters that make a spreadsheet read a cell as a formula (OWASP, CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number as a spreadsheet reads one: sign, digits, decimals. ASCII digits only (re.ASCII).
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)
ESCAPE = "'"

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def cell_safe(value):
    """`value` as a spreadsheet cell that is never a formula.

    A text that starts with = + - @, a tab or a carriage return gets a leading apostrophe:
    "=HYPERLINK(…)" → "'=HYPERLINK(…)", "@SUM(1+1)" → "'@SUM(1+1)", "- เฉพาะ…" → "'- เฉพาะ…".
    Anything else is returned as it is: numbers, Decimals, dates (a negative number is a number,
    not a formula), and text that does not start so.

    A text that is a plain number, "-0.40" or "+5", is left alone too: a spreadsheet reads it as
    the number it is, which cannot run anything, and a score difference written as text must
    still read as a number, not as "'-0.40". ("−0.40" with the minus sign U+2212 starts no
    formula at all.) Only the sign, digits and one decimal point make a plain number: "-1+2" or
    "-1e3" get the apostrophe.

    Idempotent: a text that already starts with the apostrophe is left as it is, so a cell
    escaped twice is escaped once.
    """
    if isinstance(value, Promise):  # a lazy translation is text
        value = str(value)
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if PLAIN_NUMBER.fullmatch(value):
        return value
    return ESCAPE + value


def cell_restored(value):
    """The cell `cell_safe` was given, from the cell it wrote: the apostrophe before = + - @, a
    tab or a carriage return is taken off, so that an exported file imports as it was. (A text
    that really starts with an apostrophe and then one of those loses its apostrophe; nothing
    the registry or the questionnaire holds does.)"""
    if isinstance(value, str) and value.startswith(ESCAPE) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"  # 0.50, never 5E-1
    return cell_safe(str(value))


def rows_csv(columns: Sequence, rows: Iterable[Sequence]) -> bytes:
    """The header and the rows as CSV in UTF-8 with a byte-order mark, so that Excel opens Thai
    text as Thai; each cell through `cell_safe`, None as an empty cell, Decimals as written."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([_csv_text(column) for column in columns])
    writer.writerows([_csv_text(value) for value in row] for row in rows)
    return text.getvalue().encode("utf-8-sig")


def rows_xlsx(
    columns: Sequence,
    rows: Iterable[Sequence],
    *,
    sheet_title: str,
    widths: Sequence[int] = (),
    decimal_format: str = "0.00",
) -> bytes:
    """One sheet: a bold header row that stays in view, then the rows, each cell through
    `cell_safe`; Decimal cells are numbers shown with `decimal_format` (scores: two decimals);
    the columns as wide as `widths` says, in order, where it says."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]  # Excel's limit
    sheet.append([cell_safe(column) for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0B3A82")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows:
        sheet.append([cell_safe(value) for value in row])
        for cell, value in zip(sheet[sheet.max_row], row, strict=True):
            if isinstance(value, Decimal):
                cell.number_format = decimal_format
    for number, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _dataset_map(dataset: tablib.Dataset, function: Callable) -> tablib.Dataset:
    """A copy of `dataset` with `function` applied to its every cell and header."""
    headers = [function(header) for header in dataset.headers] if dataset.headers else None
    rows = [[function(value) for value in row] for row in dataset]
    return tablib.Dataset(*rows, headers=headers, title=dataset.title)


class FormulaSafeResourceMixin:
    """For django-import-export resources, before `resources.Resource` in the bases: `export`
    passes every header and cell through `cell_safe`, whatever the file format the dataset then
    becomes (the admin's CSV, XLSX, ODS… or a view's), and `import_data` through
    `cell_restored`, so that a file exported, edited and imported again changes nothing.

    The library's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is no substitute: it only deletes
    a leading "=" (changing the data, "=HYPERLINK(…)" → "HYPERLINK(…)"), leaves + - @ alone and
    turns every number into text.
    """

    def export(self, queryset=None, **kwargs) -> tablib.Dataset:
        return _dataset_map(super().export(queryset, **kwargs), cell_safe)

    def import_data(self, dataset, *args, **kwargs):
        return super().import_data(_dataset_map(dataset, cell_restored), *args, **kwargs)
