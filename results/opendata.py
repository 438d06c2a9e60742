"""The open data of published years: the rows the download package and the API both serve, the
data dictionary that describes them, and the package itself (a ZIP of CSV and JSON files).

Guarantees:
- Only published years are served: every function refuses an unpublished year (ValueError), and
  callers find the year through `results.access.get_published_year_or_404`.
- The numbers are those of the year's current scoring run (GroupScore, GroupDimensionScore,
  ResponseScore), rounded to two decimals half up by `score_display`, the only rounding a score
  ever gets; the winners are those of the year's awards, published with the year
  (`SurveyYear.published_at`).
- Per-agency scores are served only when the year's settings publish them.
- The package and the API serve the same rows, named as the data dictionary names them; the
  number of queries does not grow with the number of agencies, groups or winners.
- A CSV cell is never read as a formula (common.exports): a name that starts like one is written
  behind an apostrophe; the JSON files carry it as it is.
"""

import io
import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from awards.publication import year_results
from common import exports
from surveys.models import (
    DimensionScore,
    GroupScore,
    ResponseRank,
    ResponseScore,
    SurveyYear,
    localized,
)
from surveys.scoring import score_difference, score_display
from surveys.selectors import RESULT_SCOPES, current_run_of, dimensions_of, run_results

from .access import is_published

# The data dictionary ------------------------------------------------------------------------------
# It travels with the files (data_dictionary.csv/.json) and carries both languages side by side
# whatever the reader's, like the award certificate: its wording is data, not translated UI text.


@dataclass(frozen=True)
class Unit:
    th: str
    en: str

    @property
    def label(self) -> str:
        return localized(self.th, self.en)


POINTS = Unit("คะแนน 0–100 ทศนิยม 2 ตำแหน่ง", "points 0–100, 2 decimals")
POINTS_CHANGE = Unit(
    "คะแนน (บวก = เพิ่มขึ้น ลบ = ลดลง) ทศนิยม 2 ตำแหน่ง",
    "points, signed (positive = higher, negative = lower), 2 decimals",
)
PERCENT = Unit("ร้อยละ ทศนิยม 2 ตำแหน่ง", "percent, 2 decimals")
COUNT = Unit("จำนวนหน่วยงาน", "count of agencies")
RANK = Unit("อันดับ (1 = สูงสุด อันดับเท่ากันเมื่อคะแนนเท่ากัน)", "rank (1 = highest, shared on ties)")
ORDER = Unit("ลำดับ", "sequence number")
YEAR_BE = Unit("ปี พ.ศ.", "year B.E. (Buddhist Era = C.E. + 543)")
CODE = Unit("รหัส (ข้อความ)", "text code")
TEXT_TH = Unit("ข้อความภาษาไทย", "Thai text")
TEXT_EN = Unit("ข้อความภาษาอังกฤษ", "English text")


@dataclass(frozen=True)
class Column:
    """One column of a file. A per-dimension column is one CSV column per dimension code
    (`dimension_mean_<CODE>`) and, in JSON, one object keyed by dimension code."""

    name: str  # the JSON field
    meaning_th: str
    meaning_en: str
    unit: Unit
    csv_prefix: str = ""  # per-dimension columns only

    @property
    def meaning(self) -> str:
        return localized(self.meaning_th, self.meaning_en)

    @property
    def per_dimension(self) -> bool:
        return bool(self.csv_prefix)

    @property
    def csv_name(self) -> str:
        return f"{self.csv_prefix}<CODE>" if self.per_dimension else self.name

    def csv_names(self, dimension_codes: list[str]) -> list[str]:
        if self.per_dimension:
            return [f"{self.csv_prefix}{code}" for code in dimension_codes]
        return [self.name]


YEAR = Column("year", "ปีที่สำรวจ", "Survey year", YEAR_BE)

DATA_DICTIONARY: dict[str, list[Column]] = {
    "dimensions": [
        YEAR,
        Column("code", "รหัสมิติ", "Dimension code", CODE),
        Column("order", "ลำดับของมิติในกรอบการประเมิน", "Order of the dimension", ORDER),
        Column("name_th", "ชื่อมิติ (ภาษาไทย)", "Dimension name (Thai)", TEXT_TH),
        Column("name_en", "ชื่อมิติ (ภาษาอังกฤษ)", "Dimension name (English)", TEXT_EN),
        Column(
            "description_th", "คำอธิบายมิติ (ภาษาไทย)", "What the dimension assesses (Thai)", TEXT_TH
        ),
        Column(
            "description_en",
            "คำอธิบายมิติ (ภาษาอังกฤษ)",
            "What the dimension assesses (English)",
            TEXT_EN,
        ),
        Column(
            "weight",
            "น้ำหนักของมิติในคะแนนรวม (รวมทุกมิติ = 100)",
            "Weight of the dimension in the overall score (all dimensions add up to 100)",
            PERCENT,
        ),
    ],
    "aggregates": [
        YEAR,
        Column(
            "scope",
            "ประเภทของกลุ่ม: national (ทั้งประเทศ), level (ระดับหน่วยงาน), ministry (กระทรวง: "
            "หน่วยงานระดับกรม), award_group (กลุ่มรางวัลของหน่วยงานระดับกรม), province (จังหวัด: "
            "หน่วยงานส่วนภูมิภาค), unit_type (ประเภทหน่วยงานส่วนภูมิภาค)",
            "Kind of group: national, level (agency level), ministry (its department-level "
            "agencies), award_group (department award group), province (its provincial units), "
            "unit_type (provincial unit type)",
            CODE,
        ),
        Column(
            "key",
            "รหัสของกลุ่ม เช่น all, department, รหัสกระทรวง, service, TH-50",
            "Code of the group, e.g. all, department, a ministry code, service, TH-50",
            CODE,
        ),
        Column("name_th", "ชื่อกลุ่ม (ภาษาไทย)", "Group name (Thai)", TEXT_TH),
        Column("name_en", "ชื่อกลุ่ม (ภาษาอังกฤษ)", "Group name (English)", TEXT_EN),
        Column(
            "agencies",
            "จำนวนหน่วยงานที่นับในกลุ่ม (ที่มีคะแนนผ่านการตรวจสอบ)",
            "Number of agencies counted in the group (with a validated score)",
            COUNT,
        ),
        Column("overall_mean", "ค่าเฉลี่ยคะแนนรวมของกลุ่ม", "Mean overall score of the group", POINTS),
        Column(
            "rank",
            "อันดับของกลุ่มเทียบกับกลุ่มอื่นประเภทเดียวกัน",
            "Rank of the group among the groups of its scope",
            RANK,
        ),
        Column(
            "previous_mean",
            "ค่าเฉลี่ยคะแนนรวมของกลุ่มในปีก่อน (ว่างถ้าไม่มี)",
            "Mean overall score of the group the year before (empty when none)",
            POINTS,
        ),
        Column(
            "change",
            "การเปลี่ยนแปลงจากปีก่อน (ว่างถ้าไม่มี)",
            "Change against the year before (empty when none)",
            POINTS_CHANGE,
        ),
        Column(
            "dimension_means",
            "ค่าเฉลี่ยคะแนนรายมิติของกลุ่ม หนึ่งคอลัมน์ต่อรหัสมิติ (ดู dimensions.csv)",
            "Mean score of the group in each dimension, one column per dimension code "
            "(see dimensions.csv)",
            POINTS,
            csv_prefix="dimension_mean_",
        ),
    ],
    "winners": [
        YEAR,
        Column("category_code", "รหัสประเภทรางวัล", "Award category code", CODE),
        Column("category_name_th", "ชื่อรางวัล (ภาษาไทย)", "Award category name (Thai)", TEXT_TH),
        Column("category_name_en", "ชื่อรางวัล (ภาษาอังกฤษ)", "Award category name (English)", TEXT_EN),
        Column(
            "place",
            "ลำดับที่ได้รับในประเภทรางวัล (ว่างสำหรับรางวัลที่คณะกรรมการคัดเลือก)",
            "Place in the category (empty for the committee's choices)",
            RANK,
        ),
        Column(
            "winner_name_th",
            "ชื่อผู้ได้รับรางวัล: หน่วยงาน จังหวัด หรือบุคคล (ภาษาไทย)",
            "Winner: agency, province or person (Thai)",
            TEXT_TH,
        ),
        Column(
            "winner_name_en",
            "ชื่อผู้ได้รับรางวัล (ภาษาอังกฤษ)",
            "Winner: agency, province or person (English)",
            TEXT_EN,
        ),
        Column(
            "agency_code",
            "รหัสหน่วยงานที่ได้รับรางวัลหรือที่บุคคลสังกัด (ว่างสำหรับรางวัลจังหวัด)",
            "Code of the winning agency, or of a winning person's agency (empty for a province)",
            CODE,
        ),
        Column("province_code", "รหัสจังหวัด ISO 3166-2:TH (ถ้ามี)", "Province, ISO 3166-2:TH", CODE),
        Column("province_name_th", "ชื่อจังหวัด (ภาษาไทย)", "Province name (Thai)", TEXT_TH),
        Column("province_name_en", "ชื่อจังหวัด (ภาษาอังกฤษ)", "Province name (English)", TEXT_EN),
        Column(
            "overall_score",
            "คะแนนรวมที่ใช้พิจารณา (คะแนนจังหวัดสำหรับรางวัลจังหวัด ว่างถ้าไม่มี)",
            "Overall score the award was based on (the province score for a province; empty "
            "when none)",
            POINTS,
        ),
    ],
    "agency_scores": [
        YEAR,
        Column("agency_code", "รหัสหน่วยงาน", "Agency code", CODE),
        Column("name_th", "ชื่อหน่วยงาน (ภาษาไทย)", "Agency name (Thai)", TEXT_TH),
        Column("name_en", "ชื่อหน่วยงาน (ภาษาอังกฤษ)", "Agency name (English)", TEXT_EN),
        Column(
            "level",
            "ระดับหน่วยงาน: department (ระดับกรม), provincial_unit (ส่วนภูมิภาค), special_local "
            "(ท้องถิ่นรูปแบบพิเศษ), local (ท้องถิ่น)",
            "Agency level: department, provincial_unit, special_local, local",
            CODE,
        ),
        Column(
            "award_group",
            "กลุ่มรางวัลของหน่วยงานระดับกรม: service (ให้บริการ), policy (นโยบาย/กำกับดูแล/อื่นๆ)",
            "Award group of a department: service, policy (policy / regulation / other)",
            CODE,
        ),
        Column(
            "ministry_code",
            "รหัสกระทรวง (หน่วยงานระดับกรม) ตรงกับ key ของ scope ministry",
            "Ministry code (department level), the key of the ministry scope",
            CODE,
        ),
        Column(
            "province_code",
            "รหัสจังหวัด ISO 3166-2:TH ตรงกับ key ของ scope province",
            "Province, ISO 3166-2:TH, the key of the province scope",
            CODE,
        ),
        Column(
            "unit_type_code",
            "รหัสประเภทหน่วยงานส่วนภูมิภาค ตรงกับ key ของ scope unit_type",
            "Provincial unit type code, the key of the unit_type scope",
            CODE,
        ),
        Column("overall_score", "คะแนนรวม", "Overall score", POINTS),
        Column(
            "previous_overall_score",
            "คะแนนรวมปีก่อน (ว่างถ้าไม่มี)",
            "Overall score the year before (empty when none)",
            POINTS,
        ),
        Column("change", "การเปลี่ยนแปลงจากปีก่อน", "Change against the year before", POINTS_CHANGE),
        Column("national_rank", "อันดับในระดับประเทศ", "Rank among all agencies", RANK),
        Column(
            "dimension_scores",
            "คะแนนรายมิติ หนึ่งคอลัมน์ต่อรหัสมิติ (ดู dimensions.csv)",
            "Score in each dimension, one column per dimension code (see dimensions.csv)",
            POINTS,
            csv_prefix="dimension_score_",
        ),
    ],
}

DICTIONARY_FIELDS = [
    "file",
    "column",
    "json_field",
    "meaning_th",
    "meaning_en",
    "unit_th",
    "unit_en",
]


def dictionary_rows() -> list[dict]:
    """The data dictionary as rows: one per column of each file."""
    return [
        {
            "file": f"{file}.csv",
            "column": column.csv_name,
            "json_field": column.name,
            "meaning_th": column.meaning_th,
            "meaning_en": column.meaning_en,
            "unit_th": column.unit.th,
            "unit_en": column.unit.en,
        }
        for file, columns in DATA_DICTIONARY.items()
        for column in columns
    ]


def column_of(file: str, name: str) -> Column:
    return next(column for column in DATA_DICTIONARY[file] if column.name == name)


# The order DGA publishes the groups in, and the values of `scope`.
SCOPES = [scope.value for scope in RESULT_SCOPES]


# The rows -----------------------------------------------------------------------------------------


def _require_published(year: SurveyYear) -> None:
    if not is_published(year):
        raise ValueError(f"{year.year} is not published: open data serves published years only.")


def _points(value: Decimal | None) -> Decimal | None:
    return score_display(value)


def published_dimensions(year: SurveyYear) -> list[dict]:
    """The year's framework: its dimensions in order with their weights. One query."""
    _require_published(year)
    return [
        {
            "year": year.year,
            "code": dimension.code,
            "order": dimension.order,
            "name_th": dimension.name_th,
            "name_en": dimension.name_en,
            "description_th": dimension.description_th,
            "description_en": dimension.description_en,
            "weight": dimension.weight.quantize(Decimal("0.01")),
        }
        for dimension in dimensions_of(year)
    ]


def published_aggregates(year: SurveyYear, *, scope: str = "") -> list[dict]:
    """Every group of the current run (or of one `scope`), in the order DGA publishes them:
    national, level, award group, ministry, province, unit type; by rank within a scope. Four
    queries: the run, the dimensions, the groups and their dimension means."""
    _require_published(year)
    run = current_run_of(year)
    if run is None:
        return []
    dimensions = dimensions_of(year)
    codes = [dimension.code for dimension in dimensions]
    results = run_results(run, dimensions)
    return [
        {
            "year": year.year,
            "scope": row.group.scope,
            "key": row.group.key,
            "name_th": row.group.name_th,
            "name_en": row.group.name_en,
            "agencies": row.group.agencies,
            "overall_mean": _points(row.group.overall_mean),
            "rank": row.group.rank,
            "previous_mean": _points(row.group.previous_mean),
            "change": _points(row.group.change),
            "dimension_means": {
                code: _points(mean) for code, mean in zip(codes, row.dimension_means, strict=True)
            },
        }
        for table in results.scopes
        if not scope or table.scope == scope
        for row in table.rows
    ]


def published_winners(year: SurveyYear) -> list[dict]:
    """The winners of the year's awards, by category then place: a year is published with its
    awards (`SurveyYear.published_at`, one fact), so every published year's winners are final.
    Four queries: the finalised categories, their current shortlists, the winners with their
    agencies and provinces, the agencies' provinces."""
    _require_published(year)
    return [
        {
            "year": year.year,
            "category_code": result.category.code,
            "category_name_th": result.category.name_th,
            "category_name_en": result.category.name_en,
            "place": winner.candidate.place,
            "winner_name_th": winner.name_th,
            "winner_name_en": winner.name_en,
            "agency_code": winner.candidate.agency.code if winner.candidate.agency else "",
            "province_code": winner.province.code if winner.province else "",
            "province_name_th": winner.province.name_th if winner.province else "",
            "province_name_en": winner.province.name_en if winner.province else "",
            "overall_score": _points(winner.candidate.overall),
        }
        for result in year_results(year)
        for winner in result.winners
    ]


def published_agency_scores(year: SurveyYear) -> list[dict]:
    """Each agency's scores in the current run, by national rank then code, when the year
    publishes per-agency scores (none otherwise). A score held back for problems is not
    published, as it is not in the aggregates. Five queries: the run, the dimensions, the
    scores with their agencies, their dimension scores, their national ranks."""
    _require_published(year)
    if not year.publish_agency_scores:
        return []
    run = current_run_of(year)
    if run is None:
        return []
    code_of = {dimension.pk: dimension.code for dimension in dimensions_of(year)}
    # Plain values rather than model instances: 1,922 agencies × 6 dimensions read in ~0.1 s.
    published = ResponseScore.objects.filter(run=run, problems=[]).order_by()
    values = defaultdict(dict)
    for score_id, dimension_id, value in DimensionScore.objects.filter(
        score__in=published
    ).values_list("score_id", "dimension_id", "value"):
        values[score_id][dimension_id] = value
    national_rank = dict(
        ResponseRank.objects.filter(
            score__in=published, group__scope=GroupScore.Scope.NATIONAL
        ).values_list("score_id", "rank")
    )
    columns = (
        "pk", "overall", "previous_overall", "response__agency__code",
        "response__agency__name_th", "response__agency__name_en", "response__agency__level",
        "response__agency__award_group", "response__agency__ministry__code",
        "response__agency__province__code", "response__agency__unit_type__code",
    )  # fmt: skip
    rows = []
    for (
        score_id, overall, previous, code, name_th, name_en, level, award_group,
        ministry, province, unit_type,
    ) in published.values_list(*columns):  # fmt: skip
        dimension_values = values[score_id]
        rows.append(
            {
                "year": year.year,
                "agency_code": code,
                "name_th": name_th,
                "name_en": name_en,
                "level": level,
                "award_group": award_group,
                "ministry_code": ministry or "",
                "province_code": province or "",
                "unit_type_code": unit_type or "",
                "overall_score": _points(overall),
                "previous_overall_score": _points(previous),
                "change": score_difference(overall, previous),
                "national_rank": national_rank.get(score_id),
                "dimension_scores": {
                    dimension_code: _points(dimension_values.get(pk))
                    for pk, dimension_code in code_of.items()
                },
            }
        )
    rows.sort(key=lambda row: (row["national_rank"] or 0, row["agency_code"]))
    return rows


# The package --------------------------------------------------------------------------------------

TITLE_TH = "ผลการสำรวจความพร้อมรัฐบาลดิจิทัลของหน่วยงานภาครัฐ"
TITLE_EN = "Digital Government Readiness Survey results"
PUBLISHER_TH = "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)"
PUBLISHER_EN = "Digital Government Development Agency (Public Organization)"
LICENCE = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def package_filename(year: SurveyYear) -> str:
    return f"dga-open-data-{year.year}.zip"


def rows_csv(columns: list[Column], rows: list[dict], dimension_codes: list[str]) -> bytes:
    """The file's columns as the data dictionary names them, one per dimension code for a
    per-dimension column; written by common.exports.rows_csv (UTF-8 with a byte-order mark,
    numbers with two decimals, an empty cell for no value, text never read as a formula)."""
    header = [name for column in columns for name in column.csv_names(dimension_codes)]
    lines = []
    for row in rows:
        cells = []
        for column in columns:
            value = row[column.name]
            if column.per_dimension:
                cells += [value.get(code) for code in dimension_codes]
            else:
                cells.append(value)
        lines.append(cells)
    return exports.rows_csv(header, lines)


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)  # already rounded to two decimals
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def rows_json(rows) -> bytes:
    return json.dumps(rows, ensure_ascii=False, indent=2, default=_json_default).encode("utf-8")


def package_metadata(year: SurveyYear, *, files: list[str], source_url: str, now=None) -> dict:
    now = timezone.localtime(now or timezone.now())
    return {
        "title_th": f"{TITLE_TH} ปี พ.ศ. {year.year}",
        "title_en": f"{TITLE_EN} {year.year_ce}",
        "survey_title_th": year.title_th,
        "survey_title_en": year.title_en,
        "publisher_th": PUBLISHER_TH,
        "publisher_en": PUBLISHER_EN,
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "year_be": year.year,
        "year_ce": year.year_ce,
        "publishes_agency_scores": year.publish_agency_scores,
        "generated_at": now.isoformat(timespec="seconds"),
        "source_url": source_url,
        "files": files,
        "encoding": "CSV: UTF-8 with BOM; JSON: UTF-8",
    }


def _readme(metadata: dict) -> str:
    files = "\n".join(f"- {name}" for name in metadata["files"])
    return (
        f"{metadata['title_th']}\n{metadata['title_en']}\n\n"
        f"ผู้เผยแพร่ / Publisher: {metadata['publisher_th']} / {metadata['publisher_en']}\n"
        f"สัญญาอนุญาต / Licence: {metadata['licence']} ({metadata['licence_url']})\n"
        f"ปี / Year: พ.ศ. {metadata['year_be']} / {metadata['year_ce']} C.E.\n"
        f"สร้างเมื่อ / Generated at: {metadata['generated_at']}\n"
        f"ที่มา / Source: {metadata['source_url']}\n\n"
        "คะแนนทุกค่าอยู่ในช่วง 0–100 ปัดเป็นทศนิยม 2 ตำแหน่ง คำอธิบายคอลัมน์อยู่ใน "
        "data_dictionary.csv\n"
        "Every score runs from 0 to 100, rounded half up to 2 decimals. Each column is "
        "described in data_dictionary.csv.\n\n"
        f"ไฟล์ / Files:\n{files}\n"
    )


def open_data_package(year: SurveyYear, *, source_url: str = "", now=None) -> bytes:
    """The ZIP of a published year: its framework, aggregates and winners (and each agency's
    scores when the year publishes them) as CSV and JSON, the data dictionary, a README and
    metadata.json. A fixed number of queries, whatever the number of agencies."""
    _require_published(year)
    dimensions = published_dimensions(year)
    codes = [dimension["code"] for dimension in dimensions]
    tables = {
        "dimensions": dimensions,
        "aggregates": published_aggregates(year),
        "winners": published_winners(year),
    }
    if year.publish_agency_scores:
        tables["agency_scores"] = published_agency_scores(year)
    files: dict[str, bytes] = {}
    for name, rows in tables.items():
        files[f"{name}.csv"] = rows_csv(DATA_DICTIONARY[name], rows, codes)
        files[f"{name}.json"] = rows_json(rows)
    dictionary = dictionary_rows()
    files["data_dictionary.csv"] = exports.rows_csv(
        DICTIONARY_FIELDS, [[row[field] for field in DICTIONARY_FIELDS] for row in dictionary]
    )
    files["data_dictionary.json"] = rows_json(dictionary)
    names = [*files, "README.txt", "metadata.json"]
    metadata = package_metadata(year, files=names, source_url=source_url, now=now)
    files["metadata.json"] = rows_json(metadata)
    files["README.txt"] = _readme(metadata).encode("utf-8")
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, files[name])
    return output.getvalue()
