"""The security event log in the admin: DGA staff and superusers read it; nobody adds, changes
or deletes an event there; agency people and the committee do not reach it."""

import pytest
from django.urls import reverse
from django.utils import translation

from security.models import SecurityEvent
from security.services import event_record

Kind = SecurityEvent.Kind


@pytest.fixture
def failed_login(db):
    event_record(kind=Kind.LOGIN_FAILED, email="mallory@example.org", details={"failures": 3})
    return SecurityEvent.objects.get(kind=Kind.LOGIN_FAILED)


def test_dga_staff_read_the_log_with_its_filters_and_search(client, dga_staff, failed_login):
    client.force_login(dga_staff)
    changelist = reverse("admin:security_securityevent_changelist")

    page = client.get(changelist)
    filtered = client.get(changelist, {"kind": Kind.LOGIN_SUCCEEDED})
    searched = client.get(changelist, {"q": "mallory"})
    one = client.get(reverse("admin:security_securityevent_change", args=[failed_login.pk]))

    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == list(SecurityEvent.objects.all())
    assert failed_login not in filtered.context["cl"].result_list
    assert list(searched.context["cl"].result_list) == [failed_login]
    assert one.status_code == 200
    assert one.context["has_change_permission"] is False
    assert "mallory@example.org" in one.content.decode()


def test_dga_staff_hold_the_permission_through_their_group(dga_staff):
    assert dga_staff.has_perm("security.view_securityevent")
    assert not dga_staff.user_permissions.exists()


@pytest.mark.parametrize("who", ["dga_staff", "superuser"])
def test_nobody_adds_changes_or_deletes_an_event_in_the_admin(client, request, who, failed_login):
    client.force_login(request.getfixturevalue(who))
    change = reverse("admin:security_securityevent_change", args=[failed_login.pk])

    answers = [
        client.get(reverse("admin:security_securityevent_add")).status_code,
        client.post(
            reverse("admin:security_securityevent_add"), {"kind": Kind.UNLOCKED}
        ).status_code,
        client.post(change, {"email": "someone@else.example"}).status_code,
        client.post(
            reverse("admin:security_securityevent_delete", args=[failed_login.pk]), {"post": "yes"}
        ).status_code,
        client.post(
            reverse("admin:security_securityevent_changelist"),
            {"action": "delete_selected", "_selected_action": [failed_login.pk], "post": "yes"},
        ).status_code,
    ]

    assert answers[:4] == [403, 403, 403, 403]
    assert answers[4] == 200  # no such action: the list again
    assert SecurityEvent.objects.get(pk=failed_login.pk).email == "mallory@example.org"


@pytest.mark.parametrize("who", ["respondent", "committee_member"])
def test_agency_people_and_the_committee_do_not_reach_the_log(client, request, who, failed_login):
    client.force_login(request.getfixturevalue(who))

    answer = client.get(reverse("admin:security_securityevent_changelist"))

    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("admin:login"))


def test_the_log_reads_in_thai(client, dga_staff, failed_login):
    client.force_login(dga_staff)

    page = client.get(reverse("admin:security_securityevent_changelist"))

    with translation.override("th"):
        expected = [str(SecurityEvent._meta.verbose_name_plural), str(Kind.LOGIN_FAILED.label)]
    assert expected == ["บันทึกเหตุการณ์ด้านความปลอดภัย", "เข้าสู่ระบบไม่สำเร็จ"]
    assert all(text in page.text for text in expected)


@pytest.mark.parametrize("events", [1, 30])
def test_the_list_costs_the_same_at_any_size(client, dga_staff, events, django_assert_num_queries):
    for number in range(events):
        event_record(kind=Kind.LOGIN_FAILED, email=f"guess{number}@example.org")
    client.force_login(dga_staff)
    client.get(reverse("admin:security_securityevent_changelist"))  # the session settles

    # The session, the user, their own and their groups' permissions, the count and the total
    # count, the page of events, and the date hierarchy's first and last day and its days.
    with django_assert_num_queries(9):
        page = client.get(reverse("admin:security_securityevent_changelist"))

    assert page.status_code == 200
