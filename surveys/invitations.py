"""Inviting agencies to a survey year and reminding those that have not submitted.

Inviting an agency creates its one response for the year. The e-mails go to the agency's people
(AgencyMembership); someone who has never set a password gets a one-time link to set one, which
stops working once used (Django's password-reset token includes the password hash).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from agencies.models import Agency, AgencyMembership
from agencies.services import RegistryImportError, RowError

from .models import Response, SurveyYear


@dataclass
class MailingSummary:
    responses: int = 0
    created: int = 0
    emails: int = 0
    agencies_without_people: list[Agency] = field(default_factory=list)


def invitations_create(*, year: SurveyYear, agencies: Iterable[Agency]) -> MailingSummary:
    """Invite the agencies: one response each for the year; already invited ones are left as is."""
    if year.status not in (SurveyYear.Status.DRAFT, SurveyYear.Status.OPEN):
        raise ValueError(_("Agencies can be invited to a draft or open year only."))
    agencies = list(agencies)
    with transaction.atomic():
        existing = set(
            Response.objects.filter(year=year, agency__in=agencies).values_list(
                "agency_id", flat=True
            )
        )
        new = [Response(year=year, agency=a) for a in agencies if a.pk not in existing]
        Response.objects.bulk_create(new)
    return MailingSummary(responses=len(agencies), created=len(new))


def invitations_from_file(*, year: SurveyYear, dataset) -> MailingSummary:
    """Invite the agencies whose codes fill the `code` column of an imported list.

    Whole file or nothing: raises RegistryImportError naming every row whose code is missing or
    unknown (rows count data rows, the header not included).
    """
    if "code" not in (dataset.headers or []):
        raise RegistryImportError([RowError(0, "code", _("The file needs a column “code”."))])
    codes = [str(code or "").strip() for code in dataset["code"]]
    known = {a.code: a for a in Agency.objects.filter(code__in=[c for c in codes if c])}
    errors = [
        RowError(number, "code", _("unknown agency code “%(code)s”") % {"code": code})
        if code
        else RowError(number, "code", _("the agency code is missing"))
        for number, code in enumerate(codes, start=1)
        if code not in known
    ]
    if errors:
        raise RegistryImportError(errors)
    return invitations_create(year=year, agencies=list(dict.fromkeys(known[c] for c in codes)))


def invitations_send(*, responses: Iterable[Response]) -> MailingSummary:
    """E-mail each invited agency's people: where to answer, and a set-password link if needed."""
    return _mail(responses=responses, template="surveys/email/invitation")


def reminders_send(*, responses: Iterable[Response], now=None) -> MailingSummary:
    """Remind the people of agencies that have not submitted; submitted ones are skipped."""
    now = now or timezone.now()
    pending = [r for r in responses if r.status != Response.Status.SUBMITTED]
    summary = _mail(responses=pending, template="surveys/email/reminder")
    Response.objects.filter(pk__in=[r.pk for r in pending]).update(last_reminded_at=now)
    return summary


def set_password_url(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_set", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SITE_URL}{path}"


def _mail(*, responses: Iterable[Response], template: str) -> MailingSummary:
    responses = list(responses)
    summary = MailingSummary(responses=len(responses))
    members = AgencyMembership.objects.filter(
        agency__in=[r.agency_id for r in responses], user__is_active=True
    ).select_related("user")
    people: dict[int, list] = {}
    for membership in members:
        people.setdefault(membership.agency_id, []).append(membership.user)
    messages = []
    # Thai first: every e-mail is written in Thai with the English text below it.
    with translation.override("th"):
        for response in responses:
            users = people.get(response.agency_id, [])
            if not users:
                summary.agencies_without_people.append(response.agency)
            for user in users:
                messages.append(_message(template, response=response, user=user))
    connection = get_connection()
    connection.send_messages(messages)
    summary.emails = len(messages)
    return summary


def _message(template: str, *, response: Response, user) -> EmailMultiAlternatives:
    context = {
        "response": response,
        "year": response.year,
        "agency": response.agency,
        "user": user,
        "site_url": settings.SITE_URL,
        "response_url": settings.SITE_URL + reverse("surveys:dashboard", args=[response.pk]),
        "set_password_url": None if user.has_usable_password() else set_password_url(user),
    }
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
