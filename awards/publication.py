"""The published awards of a year, for everyone: who may see them, the winners as the public page
and the exports show them, the CSV and XLSX exports, and each winner's certificate as a PDF.

Guarantees:
- A year is public once its results are published (`SurveyYear.is_published`); before that only
  DGA staff see it, as a preview that says so on every page and certificate.
- The page, the CSV and the XLSX show the same winners, named the same way: one function builds
  the rows, and the two formats only serialise them (common.exports: a name that starts like a
  formula is written as text, never run).
- Each winner is shown with the figure the category's rule ranked on, under that figure's name,
  and the most improved with the two overall scores its gain is the difference of, as shown.
- The English name of a winner is English or empty, never the Thai name in its place.
- Reading the winners of a year takes a fixed number of queries, whatever their number.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from agencies.models import Province
from dgaweb.templatetags.era import era_date
from surveys.models import SurveyYear, localized
from surveys.scoring import score_difference, score_display

from .models import AwardCategory, Candidate
from .selectors import published_winners

BANGKOK = "TH-10"  # a province-level city, not "จังหวัด…"
THAI = re.compile("[\u0e00-\u0e7f]")


# The winners --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Winner:
    candidate: Candidate
    name_th: str
    name_en: str  # empty when there is no English name (a nominee named in Thai)
    # The province of a provincial unit, or the agency of a nominee; empty otherwise.
    detail_th: str
    detail_en: str
    province: Province | None
    number: int  # 1, 2, … within the category, as on the certificate's file name
    # The figure the rule ranked on, as shown under `category.ranked_figure_name`; None for
    # the kinds that rank nothing.
    ranked_score: Decimal | None

    @property
    def name(self) -> str:
        return localized(self.name_th, self.name_en)

    @property
    def detail(self) -> str:
        return localized(self.detail_th, self.detail_en)


@dataclass(frozen=True)
class CategoryResult:
    category: AwardCategory
    winners: list[Winner]


def province_names(province: Province) -> tuple[str, str]:
    """A province as an award winner: "จังหวัดน่าน", "Nan Province" (Bangkok as it is)."""
    if province.code == BANGKOK:
        return province.name_th, province.name_en
    thai = province.name_th if province.name_th.startswith("จังหวัด") else f"จังหวัด{province.name_th}"
    english = (
        province.name_en
        if province.name_en.endswith("Province")
        else f"{province.name_en} Province"
    )
    return thai, english


def english_or_blank(text: str) -> str:
    """`text` if it can stand on an English line, else "": a nominee has one name, often Thai."""
    return "" if THAI.search(text) else text


def shown_gain(candidate: Candidate) -> Decimal | None:
    """The gain over the previous year as the public sees it beside the two overall scores: the
    difference of the two as shown, so that it is what a reader gets by subtracting them (the
    rule ranked on the unrounded gain, which can differ from this by 0.01)."""
    return score_difference(candidate.overall, candidate.previous_overall)


def ranked_score(category: AwardCategory, candidate: Candidate) -> Decimal | None:
    """The figure the category's rule ranked the candidate on, as the page and exports show it."""
    if not category.ranked_figure_name:
        return None
    if category.kind == AwardCategory.Kind.MOST_IMPROVED:
        return shown_gain(candidate)
    return candidate.score


def winner_of(candidate: Candidate, number: int, category: AwardCategory) -> Winner:
    """How a winning candidate of `category` is named: the agency, the province, or the nominee
    (with the agency they come from). Needs candidate.agency.province and candidate.province
    loaded."""
    agency = candidate.agency
    province = candidate.province or (agency.province if agency else None)
    if candidate.nominee:
        names = (candidate.nominee, candidate.nominee)
        details = (agency.name_th, agency.name_en) if agency else ("", "")
    elif agency:
        names = (agency.name_th, agency.name_en)
        details = (province.name_th, province.name_en) if province else ("", "")
    else:
        names, details = province_names(candidate.province), ("", "")
    return Winner(
        candidate=candidate,
        name_th=names[0],
        name_en=english_or_blank(names[1]),
        detail_th=details[0],
        detail_en=english_or_blank(details[1]),
        province=province,
        number=number,
        ranked_score=ranked_score(category, candidate),
    )


def year_results(year: SurveyYear) -> list[CategoryResult]:
    """The year's finalised categories in order, each with its winners. Three queries: the
    categories, the winners with their agencies, the provinces of those agencies."""
    results = published_winners(year)
    prefetch_related_objects(
        [candidate for result in results for candidate in result.winners], "agency__province"
    )
    return [
        CategoryResult(
            category=result.category,
            winners=[
                winner_of(candidate, number, result.category)
                for number, candidate in enumerate(result.winners, start=1)
            ],
        )
        for result in results
    ]


def winners_without_english_name(year: SurveyYear) -> list[CategoryResult]:
    """The year's finalised categories that have winners without an English name (nominees named
    in Thai, typically), each with only those winners: their certificates' English side and the
    exports' English column will carry no name. Three queries, as `year_results`."""
    missing = [
        CategoryResult(
            category=result.category,
            winners=[winner for winner in result.winners if not winner.name_en],
        )
        for result in year_results(year)
    ]
    return [result for result in missing if result.winners]


# Exports ------------------------------------------------------------------------------------------


def winner_columns() -> list[str]:
    return [
        _("Year"),
        _("Category code"),
        _("Category name (Thai)"),
        _("Category name (English)"),
        _("Winner (Thai)"),
        _("Winner (English)"),
        _("Agency code"),
        _("Province"),
        _("Place"),
        _("Figure ranked on"),
        _("Score ranked on"),
        _("Overall score"),
        _("Previous year's overall score"),
        _("Reason (Thai)"),
    ]


def winner_rows(year: SurveyYear) -> list[list]:
    """One row per winner, in category order then shortlist order, as `winner_columns` names
    them, with the figures the page shows. Empty cells are "" and scores are Decimals of two
    places."""
    return [
        [
            year.year,
            result.category.code,
            result.category.name_th,
            result.category.name_en,
            winner.name_th,
            winner.name_en,
            winner.candidate.agency.code if winner.candidate.agency else "",
            winner.province.name_th if winner.province else "",
            winner.candidate.place if winner.candidate.place is not None else "",
            result.category.ranked_figure_name,
            _score_cell(winner.ranked_score),
            _score_cell(winner.candidate.overall),
            # Beside the gain only, as on the page: the two figures it is the difference of.
            _score_cell(winner.candidate.previous_overall)
            if result.category.kind == AwardCategory.Kind.MOST_IMPROVED
            else "",
            winner.candidate.reason_th,
        ]
        for result in year_results(year)
        for winner in result.winners
    ]


def _score_cell(value: Decimal | None):
    return "" if value is None else score_display(value)


def export_filename(year: SurveyYear, extension: str) -> str:
    return f"dga-awards-{year.year}.{extension}"


# The columns' widths in the XLSX (common.exports.rows_xlsx), in `winner_columns` order.
XLSX_WIDTHS = (8, 16, 40, 40, 40, 40, 14, 18, 8, 28, 12, 12, 12, 60)


# Certificates -------------------------------------------------------------------------------------

# The certificate carries both languages whatever the reader's, so its wording is not translated.
ISSUER_TH = "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)"
ISSUER_EN = "Digital Government Development Agency (Public Organization)"
SIGNATORY_TH = "ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล"
AWARD_TH = "รางวัล"  # "award", the word most categories' Thai names begin with
BLUE = (11, 58, 130)
GOLD = (191, 144, 0)
INK = (33, 37, 41)
GREY = (90, 100, 115)
RED = (176, 42, 55)


def certificate_winner(candidate: Candidate) -> Winner:
    """The winner a certificate is for, numbered within its category. One query."""
    number = (
        Candidate.objects.filter(
            shortlist_id=candidate.shortlist_id, is_winner=True, order__lt=candidate.order
        ).count()
        + 1
    )
    return winner_of(candidate, number, candidate.shortlist.category)


def award_name_after_prefix(name_th: str) -> str:
    """A category's Thai name as it follows "ได้รับรางวัล": without the "รางวัล" the prefix
    already says ("รางวัลผู้นำดิจิทัล" → "ผู้นำดิจิทัล"), so that it is not said twice."""
    return name_th.removeprefix(AWARD_TH).lstrip() or name_th


def certificate_filename(winner: Winner) -> str:
    category = winner.candidate.shortlist.category
    return f"certificate-{category.year.year}-{category.code}-{winner.number}.pdf"


def certificate_pdf(winner: Winner) -> bytes:
    """A landscape A4 certificate, Thai above English. Needs candidate.shortlist.category.year
    loaded; an unpublished year's is marked as a preview."""
    category = winner.candidate.shortlist.category
    year = category.year
    pdf = _certificate_document()
    pdf.set_title(f"เกียรติบัตร {winner.name_th} {category.name_th} {year.year}")
    pdf.set_author(ISSUER_EN)
    pdf.add_page()
    _frame(pdf)
    width = pdf.epw - 2 * pdf.c_margin  # what multi_cell has for text on a line

    pdf.set_y(26)
    _line(pdf, ISSUER_TH, 17, style="B", color=BLUE, height=9)
    _line(pdf, ISSUER_EN, 11, color=GREY, height=6)
    pdf.ln(5)
    _line(pdf, "เกียรติบัตร", 46, style="B", color=BLUE, height=20)
    _line(pdf, "Certificate of Award", 15, color=GOLD, height=8)
    pdf.ln(4)
    _line(pdf, "มอบให้ไว้เพื่อแสดงว่า", 15, color=GREY, height=8)
    _line(pdf, winner.name_th, _fitting_size(pdf, winner.name_th, width, 30), style="B", height=15)
    if winner.candidate.nominee and winner.detail_th:
        _line(pdf, winner.detail_th, 15, height=8)
    pdf.ln(2)
    award = f"ได้รับรางวัล {award_name_after_prefix(category.name_th)}"
    _line(pdf, award, 19, style="B", color=BLUE, height=10)
    _line(pdf, f"รางวัลรัฐบาลดิจิทัล ประจำปี พ.ศ. {year.year}", 16, height=9)
    _rule(pdf, 60)
    # The English side names the winner only in English: without an English name (see
    # `winners_without_english_name`) it gives the award alone.
    if winner.name_en:
        name_en = winner.name_en
        if winner.candidate.nominee and winner.detail_en:
            name_en = f"{name_en}, {winner.detail_en}"
        size = _fitting_size(pdf, name_en, width, 16, minimum=11)
        _line(pdf, name_en, size, style="B", height=8)
    _line(pdf, f"{category.name_en} · Digital Government Awards {year.year_ce}", 12, height=7)
    pdf.ln(4)
    if year.is_published:
        when = timezone.localtime(year.published_at)
        with translation.override("th"):
            given_th = f"ให้ไว้ ณ วันที่ {era_date(when)}"
        with translation.override("en"):
            given_en = f"Given on {era_date(when)}"
        _line(pdf, given_th, 14, height=7)
        _line(pdf, given_en, 11, color=GREY, height=6)
    else:
        _line(pdf, "ฉบับตัวอย่าง ยังไม่ประกาศผล", 14, style="B", color=RED, height=7)
        _line(pdf, "Preview: not published", 11, color=RED, height=6)

    # Signature line, bottom right; reference, bottom left.
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.3)
    pdf.line(pdf.w - 110, pdf.h - 36, pdf.w - 35, pdf.h - 36)
    pdf.set_xy(pdf.w - 120, pdf.h - 34)
    _set_font(pdf, SIGNATORY_TH, "", 11)
    pdf.set_text_color(*INK)
    pdf.cell(95, 6, SIGNATORY_TH, align="C")
    reference = f"{year.year}-{category.code}-{winner.number}"
    pdf.set_xy(30, pdf.h - 34)
    _set_font(pdf, reference, "", 9)
    pdf.set_text_color(*GREY)
    pdf.cell(80, 6, reference)
    return bytes(pdf.output())


def _certificate_document() -> FPDF:
    # Sarabun from npm (package.json), the same files the site's pages use: its Thai subset, with
    # the Latin subsets as fallbacks for English names and punctuation.
    files = settings.NODE_MODULES / "@fontsource" / "sarabun" / "files"
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(25, 20, 25)
    for family, subset in (
        ("Sarabun", "thai"),
        ("SarabunLatin", "latin"),
        ("SarabunLatinExt", "latin-ext"),
    ):
        pdf.add_font(family, "", files / f"sarabun-{subset}-400-normal.woff")
        pdf.add_font(family, "B", files / f"sarabun-{subset}-700-normal.woff")
    pdf.set_fallback_fonts(["SarabunLatin", "SarabunLatinExt"])
    # Shaping puts Thai vowels and tone marks in their place; `cell` shapes, `text` does not.
    pdf.set_text_shaping(True)
    return pdf


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(2.2)
    pdf.rect(9, 9, pdf.w - 18, pdf.h - 18)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)
    pdf.set_line_width(0.25)
    pdf.rect(14.5, 14.5, pdf.w - 29, pdf.h - 29)


def _rule(pdf: FPDF, length: float) -> None:
    """A short gold line across the middle, between the Thai and the English."""
    y = pdf.get_y() + 4
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.4)
    pdf.line((pdf.w - length) / 2, y, (pdf.w + length) / 2, y)
    pdf.set_y(y + 4)


def _set_font(pdf: FPDF, text: str, style: str, size: float) -> None:
    """The Thai face for text with Thai in it (its digits and punctuation come from the fallback
    fonts), the Latin face for the rest."""
    # fpdf2 2.8.9 loses track of the font on the page after a fallback font drew the end of a line,
    # and draws the next line of the same font and size with the wrong one: passing through
    # another font makes it set the font again.
    pdf.set_font("SarabunLatinExt", style, size)
    pdf.set_font("Sarabun" if THAI.search(text) else "SarabunLatin", style, size)


def _line(pdf: FPDF, text: str, size: float, *, style="", color=INK, height=8) -> None:
    _set_font(pdf, text, style, size)
    pdf.set_text_color(*color)
    # multi_cell breaks only at spaces; a long name without any is shrunk to fit (_fitting_size).
    pdf.multi_cell(0, height, text, align="C", new_x="LMARGIN", new_y="NEXT")


def _fitting_size(pdf: FPDF, text: str, width: float, size: float, minimum: float = 20) -> float:
    """The largest font size from `size` down to `minimum` at which `text` fits on one line of
    `width`; at the minimum, a longer text wraps at its spaces."""
    _set_font(pdf, text, "B", size)
    while size > minimum and pdf.get_string_width(text) > width:
        size -= 1
        _set_font(pdf, text, "B", size)
    return size
