"""An agency's results as a printable PDF: the same numbers as its results page (one
`AgencyResults` feeds both), in the reader's language, with Sarabun for the Thai.

The bar chart and the history line are drawn with fpdf2's own lines and rectangles, so the report
needs no browser and no image library. The fonts, Thai shaping and the choice of face per text
come from the certificates (awards.publication).
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from awards.publication import BLUE, GREY, INK, RED, _certificate_document, _set_font
from dgaweb.templatetags.era import era_date, era_year
from surveys.templatetags.scores import score, score_difference, signed_score

from .agency import AgencyResults
from .charts import PALETTE

LIGHT = (232, 240, 251)  # --dga-sky
RULE = (221, 227, 236)
GREEN = (25, 135, 84)
MARGIN = 15
LABEL_WIDTH = 62  # the dimension names at the left of the chart and the table


def report_filename(results: AgencyResults) -> str:
    return f"dga-results-{results.agency.code}-{results.year.year}.pdf"


def agency_report_pdf(results: AgencyResults) -> bytes:
    """An A4 portrait report: the agency and year, its scores and ranks, the comparison chart
    and table, its overall score over the years, and DGA's recommendations. An unpublished
    year is marked as a preview in the heading."""
    pdf = _report_document(results)
    _heading(pdf, results)
    if results.has_score:
        _summary(pdf, results)
    else:
        _paragraph(pdf, results.standing_message, size=11, color=RED)
        pdf.ln(2)
    if results.comparisons:
        _section_title(pdf, _("Scores by dimension against the averages"))
        _bar_chart(pdf, results)
        _comparison_table(pdf, results)
    _section_title(pdf, _("Overall score over the years"))
    if results.history:
        _history_chart(pdf, results)
    else:
        _paragraph(pdf, _("No scored year to show yet."), color=GREY)
    _section_title(pdf, _("DGA's recommendations"))
    for group_name, recommendation in results.recommendation_items:
        _ensure_room(pdf, 20)
        _paragraph(pdf, _("For %(group)s") % {"group": group_name}, style="B", color=BLUE)
        _paragraph(pdf, recommendation.text)
        pdf.ln(2)
    if not results.recommendations:
        _paragraph(
            pdf,
            _("DGA has not written recommendations for this agency's groups this year."),
            color=GREY,
        )
    return bytes(pdf.output())


def _report_document(results: AgencyResults) -> FPDF:
    pdf = _certificate_document()
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(f"{results.agency.code} {results.year.year}")
    pdf.set_author(_("Digital Government Development Agency (Public Organization)"))
    year, today = era_year(results.year.year_ce), era_date(timezone.localdate())
    footer_text = f"{results.agency.code} · {year} · {today}"

    # The certificate's document has no footer; this report numbers its pages.
    def footer():
        pdf.set_y(-12)
        _set_font(pdf, footer_text, "", 8)
        pdf.set_text_color(*GREY)
        pdf.cell(pdf.epw / 2, 5, footer_text)
        number = f"{pdf.page_no()}/{{nb}}"
        _set_font(pdf, number, "", 8)
        pdf.cell(pdf.epw / 2, 5, number, align="R")

    pdf.footer = footer
    pdf.add_page(orientation="portrait")
    return pdf


# Text ---------------------------------------------------------------------------------------------


def _paragraph(pdf: FPDF, text: str, *, size=10.5, style="", color=INK, height=None, align="L"):
    _set_font(pdf, text, style, size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, height or size * 0.55, text, align=align, new_x="LMARGIN", new_y="NEXT")


def _text_cell(pdf: FPDF, width, height, text, *, size=9, style="", align="L", fill=False):
    _set_font(pdf, text, style, size)
    pdf.cell(width, height, text, align=align, fill=fill)


def _section_title(pdf: FPDF, title: str) -> None:
    _ensure_room(pdf, 30)
    pdf.ln(3)
    _paragraph(pdf, title, size=13, style="B", color=BLUE, height=8)
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + 30, pdf.get_y())
    pdf.ln(3)


def _ensure_room(pdf: FPDF, height: float) -> None:
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page(same=True)  # portrait, as the first page


def _heading(pdf: FPDF, results: AgencyResults) -> None:
    year = era_year(results.year.year_ce)
    pdf.set_fill_color(*BLUE)
    pdf.rect(0, 0, pdf.w, 34, style="F")
    pdf.set_xy(MARGIN, 7)
    pdf.set_text_color(255, 255, 255)
    title = _("Digital Government Readiness Survey %(year)s") % {"year": year}
    _set_font(pdf, title, "", 10)
    pdf.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
    name = results.agency_name
    _set_font(pdf, name, "B", 17)
    pdf.cell(0, 10, name, new_x="LMARGIN", new_y="NEXT")
    groups = [results.agency.code, results.agency.get_level_display()] + [
        comparison.group.name
        for comparison in results.comparisons
        if comparison.scope not in ("national", "level")  # the level is named just before
    ]
    line = " · ".join(str(part) for part in groups)
    _set_font(pdf, line, "", 9.5)
    pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(38)
    if results.preview:
        pdf.set_fill_color(255, 243, 205)
        pdf.set_text_color(*RED)
        banner = (
            _("Preview — not published.")
            + " "
            + _("Only DGA staff can see these results until the year is published.")
        )
        _set_font(pdf, banner, "B", 10)
        pdf.multi_cell(0, 7, banner, fill=True, new_x="LMARGIN", new_y="NEXT", padding=1)
        pdf.ln(2)


def _summary(pdf: FPDF, results: AgencyResults) -> None:
    """Three boxes: the overall score, the change from last year, and the ranks."""
    top, height = pdf.get_y(), 26
    box = (pdf.epw - 8) / 3
    national = results.national
    boxes = [
        (
            _("Overall score"),
            score(results.score.overall),
            _("National average %(mean)s") % {"mean": score(national.group.overall_mean)}
            if national
            else "",
        ),
        (
            _("Change from last year"),
            score_difference(results.score.overall, results.score.previous_overall),
            _("Last year %(previous)s") % {"previous": score(results.score.previous_overall)}
            if results.score.previous_overall is not None
            else "",
        ),
    ]
    for index, (label, value, note) in enumerate(boxes):
        x = pdf.l_margin + index * (box + 4)
        _box(pdf, x, top, box, height)
        pdf.set_xy(x + 3, top + 2)
        pdf.set_text_color(*GREY)
        _text_cell(pdf, box - 6, 5, label, size=9)
        pdf.set_xy(x + 3, top + 8)
        pdf.set_text_color(*BLUE)
        _text_cell(pdf, box - 6, 10, value, size=20, style="B")
        pdf.set_xy(x + 3, top + 19)
        pdf.set_text_color(*GREY)
        _text_cell(pdf, box - 6, 5, note, size=8.5)
    x = pdf.l_margin + 2 * (box + 4)
    _box(pdf, x, top, box, height)
    pdf.set_xy(x + 3, top + 2)
    pdf.set_text_color(*GREY)
    _text_cell(pdf, box - 6, 5, _("Position in its groups"), size=9)
    row_height = min(4.6, (height - 8) / max(len(results.ranks), 1))
    for number, rank in enumerate(results.ranks):
        pdf.set_xy(x + 3, top + 7.5 + number * row_height)
        pdf.set_text_color(*INK)
        place = _("%(rank)s of %(total)s") % {"rank": rank.rank, "total": rank.group.agencies}
        _text_cell(pdf, box - 24, row_height, rank.group.name, size=8)
        _text_cell(pdf, 18, row_height, place, size=8, style="B", align="R")
    pdf.set_y(top + height + 4)


def _box(pdf: FPDF, x, y, width, height) -> None:
    pdf.set_fill_color(*LIGHT)
    pdf.rect(x, y, width, height, style="F")
    pdf.set_fill_color(*BLUE)
    pdf.rect(x, y, width, 1.2, style="F")


# The comparison -----------------------------------------------------------------------------------


def _colour(index: int) -> tuple[int, int, int]:
    value = PALETTE[index % len(PALETTE)].lstrip("#")
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))


def _series(results: AgencyResults) -> list[tuple[str, list[Decimal | None]]]:
    """The chart's series, as on the page: the agency (when it has a score), then each group."""
    rows = results.rows
    series = []
    if results.has_score:
        series.append((results.agency.code, [row.agency for row in rows]))
    for index, comparison in enumerate(results.comparisons):
        series.append((comparison.group.name, [row.groups[index] for row in rows]))
    return series


def _bar_chart(pdf: FPDF, results: AgencyResults) -> None:
    """Horizontal grouped bars, 0 to 100: one block per row of the table, one bar per series."""
    series = _series(results)
    rows = results.rows
    bar, gap = 3.2, 3.5
    block = bar * len(series) + gap
    plot_left = pdf.l_margin + LABEL_WIDTH
    plot_width = pdf.epw - LABEL_WIDTH - 12
    legend_height = 6 * ((len(series) + 1) // 2)
    _ensure_room(pdf, block * len(rows) + 12 + legend_height)
    top = pdf.get_y() + 2

    # The scale: a light line every 20 points, numbered at the foot.
    bottom = top + block * len(rows)
    pdf.set_line_width(0.2)
    for tick in range(0, 101, 20):
        x = plot_left + plot_width * tick / 100
        pdf.set_draw_color(*RULE)
        pdf.line(x, top, x, bottom)
        pdf.set_xy(x - 6, bottom + 0.5)
        pdf.set_text_color(*GREY)
        _text_cell(pdf, 12, 4, str(tick), size=7, align="C")

    for row_index, row in enumerate(rows):
        y = top + row_index * block
        pdf.set_xy(pdf.l_margin, y)
        pdf.set_text_color(*INK)
        label_size = _fitting(pdf, row.label, LABEL_WIDTH - 2, 8.5, 6.5)
        _text_cell(
            pdf, LABEL_WIDTH - 2, block - gap, row.label, size=label_size,
            style="B" if row_index == 0 else "",
        )  # fmt: skip
        for series_index, (_name, values) in enumerate(series):
            value = values[row_index]
            bar_y = y + series_index * bar
            if value is None:
                continue
            length = plot_width * float(value) / 100
            pdf.set_fill_color(*_colour(series_index))
            pdf.rect(plot_left, bar_y + 0.3, max(length, 0.3), bar - 0.6, style="F")
            pdf.set_xy(plot_left + length + 0.8, bar_y)
            pdf.set_text_color(*INK)
            _text_cell(pdf, 12, bar, score(value), size=6.5)
    pdf.set_draw_color(*GREY)
    pdf.line(plot_left, top, plot_left, bottom)

    # The legend, two to a line.
    legend_top = bottom + 6
    half = pdf.epw / 2
    for index, (name, _values) in enumerate(series):
        x = pdf.l_margin + (index % 2) * half
        y = legend_top + (index // 2) * 5.5
        pdf.set_fill_color(*_colour(index))
        pdf.rect(x, y + 1.2, 3.5, 3.5, style="F")
        pdf.set_xy(x + 5, y)
        pdf.set_text_color(*INK)
        _text_cell(pdf, half - 6, 6, name, size=8.5)
    pdf.set_y(legend_top + 5.5 * ((len(series) + 1) // 2) + 3)


def _fitting(pdf: FPDF, text: str, width: float, size: float, minimum: float) -> float:
    _set_font(pdf, text, "", size)
    while size > minimum and pdf.get_string_width(text) > width:
        size -= 0.5
        _set_font(pdf, text, "", size)
    return size


def _comparison_table(pdf: FPDF, results: AgencyResults) -> None:
    """Dimension rows × the agency and its groups, with the gap to the national average."""
    headers = [results.agency.code] + [c.group.name for c in results.comparisons]
    headers.append(_("Against the national average"))
    column = (pdf.epw - LABEL_WIDTH) / len(headers)
    header_height = 11
    _ensure_room(pdf, header_height + 7 * len(results.rows))
    top = pdf.get_y()
    pdf.set_fill_color(*BLUE)
    pdf.rect(pdf.l_margin, top, pdf.epw, header_height, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(pdf.l_margin + 1, top)
    _text_cell(pdf, LABEL_WIDTH - 1, header_height, _("Dimension"), size=8.5, style="B")
    for index, header in enumerate(headers):
        pdf.set_xy(pdf.l_margin + LABEL_WIDTH + index * column, top + 0.5)
        # Two lines for a header with spaces; Thai names, without any, on one.
        lines = 2 if " " in header else 1
        size = _fitting(pdf, header, lines * (column - 2), 7.5, 5)
        _set_font(pdf, header, "B", size)
        pdf.multi_cell(column - 1, 3.6, header, align="R")
    pdf.set_y(top + header_height)
    for row_index, row in enumerate(results.rows):
        y = pdf.get_y()
        if row_index == 0:
            pdf.set_fill_color(*LIGHT)
            pdf.rect(pdf.l_margin, y, pdf.epw, 7, style="F")
        style = "B" if row_index == 0 else ""
        pdf.set_xy(pdf.l_margin + 1, y)
        pdf.set_text_color(*INK)
        label_size = _fitting(pdf, row.label, LABEL_WIDTH - 2, 8.5, 6.5)
        _text_cell(pdf, LABEL_WIDTH - 1, 7, row.label, size=label_size, style=style)
        values = [score(row.agency)] + [score(value) for value in row.groups]
        for value in values:
            _text_cell(pdf, column - 1, 7, value, size=8.5, style=style, align="R")
            pdf.set_x(pdf.get_x() + 1)
        difference = row.difference
        if difference is not None and difference > 0:
            pdf.set_text_color(*GREEN)
        elif difference is not None and difference < 0:
            pdf.set_text_color(*RED)
        _text_cell(pdf, column - 1, 7, signed_score(difference), size=8.5, style=style, align="R")
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.line(pdf.l_margin, y + 7, pdf.l_margin + pdf.epw, y + 7)
        pdf.set_y(y + 7)
    pdf.ln(2)


# The history --------------------------------------------------------------------------------------


def _history_chart(pdf: FPDF, results: AgencyResults) -> None:
    """A line of the overall score per year, 0 to 100, each point labelled with its score."""
    height, left_pad = 48, 10
    _ensure_room(pdf, height + 14)
    top = pdf.get_y() + 2
    left = pdf.l_margin + left_pad
    width = pdf.epw - left_pad - 6
    bottom = top + height
    pdf.set_line_width(0.2)
    for tick in range(0, 101, 25):
        y = bottom - height * tick / 100
        pdf.set_draw_color(*RULE)
        pdf.line(left, y, left + width, y)
        pdf.set_xy(pdf.l_margin, y - 2)
        pdf.set_text_color(*GREY)
        _text_cell(pdf, left_pad - 2, 4, str(tick), size=7, align="R")
    points = results.history
    step = width / len(points)
    coordinates = [
        (left + step * (index + 0.5), bottom - height * float(point.overall) / 100)
        for index, point in enumerate(points)
    ]
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(0.7)
    if len(coordinates) > 1:
        pdf.polyline(coordinates)
    pdf.set_fill_color(*BLUE)
    for point, (x, y) in zip(points, coordinates, strict=True):
        pdf.circle(x, y, 1.3, style="F")
        pdf.set_xy(x - 10, y - 6.5)
        pdf.set_text_color(*INK)
        _text_cell(pdf, 20, 4, score(point.overall), size=8, style="B", align="C")
        pdf.set_xy(x - 10, bottom + 1)
        pdf.set_text_color(*GREY)
        _text_cell(pdf, 20, 4, era_year(point.year_ce), size=8, align="C")
    pdf.set_y(bottom + 8)
