"""DGA staff run the survey here: years with their questionnaire, invitations, follow-up,
returns and deadline extensions, the response rate, and the scores: recomputes, their progress
and their results."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agencies.admin import AgencyAdmin, RegistryImportExportAdmin
from agencies.models import Agency, Ministry
from agencies.services import RegistryImportError, dataset_from_upload

from . import invitations, services
from .history import response_history
from .models import (
    Answer,
    Dimension,
    Evidence,
    Option,
    Question,
    Response,
    ResponseScore,
    ScoringBand,
    ScoringChunk,
    ScoringRun,
    SurveyYear,
    YearTransition,
    frozen_message,
    localized,
)
from .resources import DimensionResource, QuestionResource
from .scores import run_progress, scoring_run_start
from .scoring import ScoringError, standouts
from .selectors import RESULT_SCOPES, response_rate, run_results
from .templatetags import scores as score_format


class QuestionnairePartInline:
    """An inline of the questionnaire: read-only once the year has opened."""

    def _frozen(self, obj) -> bool:
        year = obj if isinstance(obj, SurveyYear) else getattr(obj, "year", None)
        return bool(year and year.questionnaire_frozen)

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class DimensionInline(QuestionnairePartInline, admin.TabularInline):
    model = Dimension
    fields = ["order", "code", "name_th", "name_en", "weight"]
    extra = 0


class QuestionInline(QuestionnairePartInline, admin.TabularInline):
    model = Question
    fields = ["dimension", "order", "code", "kind", "required", "levels", "max_points", "text_th"]
    show_change_link = True
    extra = 0
    ordering = ["dimension__order", "order", "code"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("dimension")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "levels":
            return LevelsField(label=db_field.verbose_name, initial=list(Agency.Level.values))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "dimension":
            year_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Dimension.objects.filter(year_id=year_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def report_mailing(modeladmin, request, summary) -> None:
    """Tell DGA staff how many e-mails went out and which agencies had nobody to write to."""
    modeladmin.message_user(
        request,
        ngettext("%(count)d e-mail sent.", "%(count)d e-mails sent.", summary.emails)
        % {"count": summary.emails},
        messages.SUCCESS,
    )
    if summary.agencies_without_people:
        codes = ", ".join(a.code for a in summary.agencies_without_people[:20])
        modeladmin.message_user(
            request,
            _("%(count)s agencies have nobody to write to; add a user for them: %(codes)s")
            % {"count": len(summary.agencies_without_people), "codes": codes},
            messages.WARNING,
        )


def invited_message(summary, year) -> str:
    return _("%(created)s agencies invited to %(year)s (%(already)s were already invited).") % {
        "created": summary.created,
        "year": year.year,
        "already": summary.responses - summary.created,
    }


class InviteFileForm(forms.Form):
    file = forms.FileField(
        label=_("List of agencies (CSV or XLSX)"),
        help_text=_("One agency per row, its code in a column named “code”."),
    )


class CopyQuestionnaireForm(forms.Form):
    year = forms.IntegerField(label=_("New year (B.E.)"), min_value=2558, max_value=2700)
    title_th = forms.CharField(label=_("Thai title"), max_length=255)
    title_en = forms.CharField(label=_("English title"), max_length=255)
    opens_at = forms.DateTimeField(label=_("Opens at"), help_text="2027-05-15 08:30")
    closes_at = forms.DateTimeField(label=_("Closes at"), help_text="2027-06-30 16:30")

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("The closing time must be after the opening time."))
        return data


@admin.register(SurveyYear)
class SurveyYearAdmin(admin.ModelAdmin):
    list_display = [
        "year", "title_th", "status", "opens_at", "closes_at", "rate_link", "current_run_link",
        "dashboards_link",
    ]  # fmt: skip
    list_filter = ["status"]
    # The status and publication change only through the lifecycle (surveys.lifecycle).
    readonly_fields = ["status", "published_at", "published_by"]
    inlines = [DimensionInline, QuestionInline]
    actions = ["open_years", "close_years", "recompute_scores"]
    fields = [
        "year", "title_th", "title_en", "opens_at", "closes_at", "status", "published_at",
        "published_by", "publish_agency_scores",
    ]  # fmt: skip
    # The year's own change form, with its scores: the current run, and "Recompute scores".
    change_form_template = "admin/surveys/surveyyear/change_form_scores.html"

    def get_queryset(self, request):
        runs = ScoringRun.objects.filter(year=OuterRef("pk")).values("pk")
        return (
            super()
            .get_queryset(request)
            .annotate(
                current_run_id=Subquery(runs.filter(is_current=True)[:1]),
                running_run_id=Subquery(runs.filter(status=ScoringRun.Status.RUNNING)[:1]),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.questionnaire_frozen:
            return ["year", *self.readonly_fields]
        return self.readonly_fields

    @admin.display(description=_("response rate"))
    def rate_link(self, year):
        url = reverse("admin:surveys_surveyyear_rate", args=[year.pk])
        return format_html('<a href="{}">{}</a>', url, _("Response rate"))

    @admin.display(description=_("current scores"))
    def current_run_link(self, year):
        if year.current_run_id is None:
            return "—"
        url = reverse("admin:surveys_scoringrun_change", args=[year.current_run_id])
        return format_html('<a href="{}">{} #{}</a>', url, _("Scoring run"), year.current_run_id)

    @admin.display(description=_("dashboards"))
    def dashboards_link(self, year):
        """DGA staff's fieldwork dashboard, and the results one once the year is scored."""
        if year.status == SurveyYear.Status.DRAFT:
            return "—"
        links = [(reverse("results:fieldwork", args=[year.year]), _("Fieldwork"))]
        if year.current_run_id and year.status in ("scored", "published"):
            links.append((reverse("results:dashboard", args=[year.year]), _("Results")))
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def has_recompute_permission(self, request, obj=None) -> bool:
        """Starting a recompute is adding a scoring run."""
        codename = get_permission_codename("add", ScoringRun._meta)
        return request.user.has_perm(f"{ScoringRun._meta.app_label}.{codename}")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        year = self.get_object(request, object_id)
        if year and year.questionnaire_frozen and request.method == "GET":
            self.message_user(request, frozen_message(year), messages.WARNING)
        extra_context = (extra_context or {}) | {
            "year_object": year,
            "can_recompute": self.has_recompute_permission(request, year),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/rate/", view(self.rate_view), name="surveys_surveyyear_rate"),
            path("<int:pk>/copy/", view(self.copy_view), name="surveys_surveyyear_copy"),
            path("<int:pk>/invite/", view(self.invite_view), name="surveys_surveyyear_invite"),
            path(
                "<int:pk>/recompute/",
                view(self.recompute_view),
                name="surveys_surveyyear_recompute",
            ),
            *super().get_urls(),
        ]

    def recompute_view(self, request, pk):
        """The year page's "Recompute scores" button: start a run, then watch its progress."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        year = get_object_or_404(SurveyYear, pk=pk)
        if not self.has_recompute_permission(request, year):
            raise PermissionDenied
        run = self._recompute(request, year)
        if run is None:
            return HttpResponseRedirect(reverse("admin:surveys_surveyyear_change", args=[year.pk]))
        return HttpResponseRedirect(reverse("admin:surveys_scoringrun_change", args=[run.pk]))

    @admin.action(description=_("Recompute scores"), permissions=["recompute"])
    def recompute_scores(self, request, queryset):
        for year in queryset:
            self._recompute(request, year)

    def _recompute(self, request, year) -> ScoringRun | None:
        """Start recomputing the year and say so, or say why it cannot be (the error names the
        year)."""
        try:
            run = scoring_run_start(year=year, user=request.user)
        except ScoringError as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        started = ngettext(
            "Recomputing the scores of %(year)s: %(count)s submitted response.",
            "Recomputing the scores of %(year)s: %(count)s submitted responses.",
            run.responses_total,
        ) % {"year": year.year, "count": run.responses_total}
        url = reverse("admin:surveys_scoringrun_change", args=[run.pk])
        self.message_user(
            request,
            format_html('{} <a href="{}">{}</a>', started, url, _("Follow its progress")),
            messages.SUCCESS,
        )
        return run

    def rate_view(self, request, pk):
        year = get_object_or_404(SurveyYear, pk=pk)
        if not self.has_view_permission(request, year):
            raise PermissionDenied
        context = self.admin_site.each_context(request) | {
            "title": _("Response rate %(year)s") % {"year": year.year},
            "year": year,
            "rate": response_rate(year),
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/surveys/response_rate.html", context)

    def copy_view(self, request, pk):
        source = get_object_or_404(SurveyYear, pk=pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CopyQuestionnaireForm(
            request.POST or None,
            initial={
                "year": source.year + 1,
                "title_th": source.title_th.replace(str(source.year), str(source.year + 1)),
                "title_en": source.title_en.replace(str(source.year_ce), str(source.year_ce + 1)),
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                target = services.questionnaire_copy(source=source, **form.cleaned_data)
            except services.SurveyError as error:
                form.add_error("year", str(error))
            else:
                self.message_user(
                    request,
                    _("The questionnaire of %(source)s was copied into the draft year %(year)s.")
                    % {"source": source.year, "year": target.year},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:surveys_surveyyear_change", args=[target.pk])
                )
        context = self.admin_site.each_context(request) | {
            "title": _("Copy the questionnaire of %(year)s into a new year")
            % {"year": source.year},
            "form": form,
            "source": source,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/surveys/copy_year.html", context)

    def invite_view(self, request, pk):
        """Invite the agencies listed in an uploaded file (a `code` column)."""
        year = get_object_or_404(SurveyYear, pk=pk)
        if not self.has_change_permission(request, year):
            raise PermissionDenied
        form = InviteFileForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            try:
                dataset = dataset_from_upload(form.cleaned_data["file"])
                summary = invitations.invitations_from_file(year=year, dataset=dataset)
            except RegistryImportError as error:
                errors = error.errors
            except (ValueError, UnicodeDecodeError) as error:
                form.add_error("file", str(error))
            else:
                self.message_user(request, invited_message(summary, year), messages.SUCCESS)
                url = reverse("admin:surveys_response_changelist")
                return HttpResponseRedirect(f"{url}?year__id__exact={year.pk}")
        context = self.admin_site.each_context(request) | {
            "title": _("Invite the agencies of a list to %(year)s") % {"year": year.year},
            "form": form,
            "errors": errors,
            "year": year,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/surveys/invite_file.html", context)

    @admin.action(description=_("Open the selected draft years"), permissions=["change"])
    def open_years(self, request, queryset):
        self._change_status(request, queryset, services.survey_year_open, _("%(year)s is open."))

    @admin.action(description=_("Close the selected open years"), permissions=["change"])
    def close_years(self, request, queryset):
        self._change_status(request, queryset, services.survey_year_close, _("%(year)s is closed."))

    def _change_status(self, request, queryset, change, done):
        """Move each year on with the service `change`; report each year's outcome."""
        for year in queryset:
            try:
                change(year=year, user=request.user)
            except services.SurveyError as error:
                self.message_user(request, f"{year.year}: {error}", messages.ERROR)
            else:
                self.message_user(request, done % {"year": year.year}, messages.SUCCESS)


class OptionInline(QuestionnairePartInline, admin.TabularInline):
    model = Option
    fields = ["order", "value", "label_th", "label_en", "points"]
    extra = 0


class ScoringBandInline(QuestionnairePartInline, admin.TabularInline):
    model = ScoringBand
    fields = ["minimum", "points"]
    extra = 0


@admin.register(Dimension)
class DimensionAdmin(RegistryImportExportAdmin):
    resource_classes = [DimensionResource]
    list_display = ["year", "order", "code", "name_th", "weight"]
    list_filter = ["year"]
    list_select_related = ["year"]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(Question)
class QuestionAdmin(RegistryImportExportAdmin):
    resource_classes = [QuestionResource]
    list_display = ["code", "year", "dimension", "order", "kind", "required", "max_points"]
    list_filter = ["year", "dimension__code", "kind", "required"]
    list_select_related = ["year", "dimension"]
    search_fields = ["code", "text_th", "text_en"]
    inlines = [OptionInline, ScoringBandInline]
    autocomplete_fields = ["show_if_question"]
    fieldsets = [
        (None, {"fields": ["year", "dimension", "code", "order", "kind", "required", "levels"]}),
        (_("Text"), {"fields": ["text_th", "text_en", "help_th", "help_en"]}),
        (_("Scoring"), {"fields": ["max_points"]}),
        (_("Show only if"), {"fields": ["show_if_question", "show_if_value"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "levels":
            return LevelsField(label=db_field.verbose_name, help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class LevelsField(forms.MultipleChoiceField):
    """The agency levels a question applies to, as check boxes, stored as a JSON list."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=Agency.Level.choices, **kwargs)

    def prepare_value(self, value):
        return value or []


class MinistryFilter(admin.SimpleListFilter):
    """A department's own ministry, or for a provincial unit its parent department's."""

    title = _("ministry")
    parameter_name = "ministry"

    def lookups(self, request, model_admin):
        return [(m.code, f"{m.code} {m.name_th}") for m in Ministry.objects.order_by("code")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Q(agency__ministry__code=self.value())
                | Q(agency__parent__ministry__code=self.value())
            )
        return queryset


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Reason, shown to the agency"), widget=forms.Textarea)
    extend_to = forms.DateTimeField(
        label=_("Extend the deadline to"),
        required=False,
        help_text=_("Needed when the deadline has passed, e.g. 2026-12-15 16:30."),
    )


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = [
        "agency_code",
        "agency",
        "level",
        "status_label",
        "started_at",
        "submitted_at",
        "deadline_extended_to",
        "last_reminded_at",
    ]
    list_filter = ["year", "status", "agency__level", MinistryFilter, "agency__province"]
    list_select_related = ["year", "agency"]
    search_fields = ["agency__code", "agency__name_th", "agency__name_en"]
    readonly_fields = [
        "year",
        "agency",
        "status",
        "invited_at",
        "started_at",
        "submitted_at",
        "submitted_by",
        "returned_reason",
        "returned_at",
        "last_reminded_at",
    ]
    readonly_fields += ["status_changes", "history"]
    fields = [*readonly_fields[:2], "deadline_extended_to", *readonly_fields[2:]]
    actions = ["send_invitations", "send_reminders", "return_for_revision"]
    list_per_page = 50

    def has_add_permission(self, request):
        return False  # agencies are invited from the agency list, which creates their response

    def get_urls(self):
        view = self.admin_site.admin_view(self.answer_history_view)
        return [
            path("<int:pk>/answer-history/", view, name="surveys_response_answer_history"),
            *super().get_urls(),
        ]

    @admin.display(description=_("status changes"))
    def status_changes(self, response):
        """As PostgreSQL's trigger recorded them (read-only for everyone), newest first."""
        return render_to_string(
            "admin/surveys/_status_changes.html",
            {"history": response_history(response, answers=False)},
        )

    @admin.display(description=_("history"))
    def history(self, response):
        url = reverse("admin:surveys_response_answer_history", args=[response.pk])
        return format_html('<a href="{}">{}</a>', url, _("Every version of every answer"))

    def answer_history_view(self, request, pk):
        """Every status change and answer version of the response, read-only."""
        response = get_object_or_404(Response.objects.select_related("year", "agency"), pk=pk)
        if not request.user.has_perm("surveys.view_response", response):
            raise PermissionDenied
        context = self.admin_site.each_context(request) | {
            "title": _("History of %(response)s") % {"response": response},
            "response": response,
            "history": response_history(response),
            "opts": self.opts,
            "original": response,
        }
        return TemplateResponse(request, "admin/surveys/response_history.html", context)

    @admin.display(description=_("code"), ordering="agency__code")
    def agency_code(self, response):
        return response.agency.code

    @admin.display(description=_("level"), ordering="agency__level")
    def level(self, response):
        return response.agency.get_level_display()

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, response):
        if response.status == Response.Status.IN_PROGRESS and not response.is_started:
            return _("Not started")
        return response.get_status_display()

    def save_model(self, request, obj, form, change):
        if "deadline_extended_to" in form.changed_data and obj.deadline_extended_to:
            try:
                services.deadline_extend(response=obj, until=obj.deadline_extended_to)
            except services.SurveyError as error:
                self.message_user(request, str(error), messages.ERROR)
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Send the invitation e-mail"), permissions=["change"])
    def send_invitations(self, request, queryset):
        summary = invitations.invitations_send(responses=queryset.select_related("year", "agency"))
        report_mailing(self, request, summary)

    @admin.action(
        description=_("Send a reminder to agencies that have not submitted"),
        permissions=["change"],
    )
    def send_reminders(self, request, queryset):
        summary = invitations.reminders_send(responses=queryset.select_related("year", "agency"))
        report_mailing(self, request, summary)

    @admin.action(description=_("Return for revision…"), permissions=["change"])
    def return_for_revision(self, request, queryset):
        form = ReturnForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            returned = 0
            for response in queryset.select_related("year", "agency"):
                try:
                    services.response_return(response=response, **form.cleaned_data)
                    returned += 1
                except services.SurveyError as error:
                    self.message_user(request, f"{response.agency.code}: {error}", messages.ERROR)
            if returned:
                self.message_user(
                    request,
                    _("%(count)s responses returned for revision.") % {"count": returned},
                    messages.SUCCESS,
                )
            return None
        context = self.admin_site.each_context(request) | {
            "title": _("Return for revision"),
            "form": form,
            "responses": queryset.select_related("agency"),
            "action": "return_for_revision",
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/surveys/return_responses.html", context)


class InviteForm(forms.Form):
    year = forms.ModelChoiceField(
        label=_("Survey year"),
        queryset=SurveyYear.objects.filter(
            status__in=[SurveyYear.Status.DRAFT, SurveyYear.Status.OPEN]
        ),
    )
    send_emails = forms.BooleanField(
        label=_("Send the invitation e-mails now"), required=False, initial=True
    )


def invite_agencies(modeladmin, request, queryset):
    """Admin action on the agency list: invite the selected agencies to a survey year."""
    form = InviteForm(request.POST if "year" in request.POST else None)
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
        summary = invitations.invitations_create(year=year, agencies=queryset)
        modeladmin.message_user(
            request,
            invited_message(summary, year),
            messages.SUCCESS,
        )
        if form.cleaned_data["send_emails"]:
            responses = Response.objects.filter(year=year, agency__in=queryset).select_related(
                "year", "agency"
            )
            summary = invitations.invitations_send(responses=responses)
            report_mailing(modeladmin, request, summary)
        return None
    context = modeladmin.admin_site.each_context(request) | {
        "title": _("Invite agencies to a survey year"),
        "form": form,
        "count": queryset.count(),
        "agencies": queryset[:30],
        "action": "invite_agencies",
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "opts": modeladmin.opts,
    }
    return TemplateResponse(request, "admin/surveys/invite_agencies.html", context)


invite_agencies.short_description = _("Invite to a survey year…")
invite_agencies.allowed_permissions = ["change"]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["response", "question", "value", "version", "updated_at", "updated_by"]
    list_filter = ["response__year"]
    list_select_related = ["response__year", "response__agency", "question", "updated_by"]
    search_fields = ["response__agency__code", "question__code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["original_name", "response", "question", "size", "content_type", "uploaded_at"]
    list_select_related = ["response__year", "response__agency", "question"]
    search_fields = ["response__agency__code", "original_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class NoWritesMixin:
    """For records only services write (scores, shortlists, votes, the audit record): nobody
    adds, changes or deletes them in the admin, superusers included. For admins and inlines."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ViewOnlyAdmin(NoWritesMixin, admin.ModelAdmin):
    """A list and a read-only page, nothing else."""


@admin.register(YearTransition)
class YearTransitionAdmin(ViewOnlyAdmin):
    """Each year's history of status changes: who moved it on, and when. Append-only."""

    list_display = ["year", "from_status", "to_status", "at", "by"]
    list_filter = ["year", "to_status"]
    list_select_related = ["year", "by"]
    date_hierarchy = "at"


def _count_of(queryset):
    """The number of rows of `queryset` (filtered on OuterRef("pk")), as an annotation."""
    counted = queryset.order_by().values("run").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted), 0)


@admin.register(ScoringRun)
class ScoringRunAdmin(ViewOnlyAdmin):
    """The list of runs; a run's page is its progress, and a complete run has a results page."""

    list_display = [
        "year_number", "trigger", "status", "is_current", "started_at", "duration_display",
        "chunks_display", "responses_display",
    ]  # fmt: skip
    list_filter = ["year", "status", "is_current"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("year", "started_by")
            .annotate(
                chunks_done=_count_of(
                    ScoringChunk.objects.filter(run=OuterRef("pk"), status=ScoringChunk.Status.DONE)
                ),
                responses_scored=_count_of(ResponseScore.objects.filter(run=OuterRef("pk"))),
            )
        )

    @admin.display(description=_("year"), ordering="year__year")
    def year_number(self, run):
        return run.year.year

    @admin.display(description=_("duration"))
    def duration_display(self, run):
        return score_format.duration(run.duration)

    @admin.display(description=_("chunks done"))
    def chunks_display(self, run):
        return f"{run.chunks_done} / {run.chunks_total}"

    @admin.display(description=_("responses scored"))
    def responses_display(self, run):
        if run.trigger == ScoringRun.Trigger.RECOMPUTE:
            return f"{run.responses_scored:,} / {run.responses_total:,}"
        return f"{run.responses_scored:,}"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/progress/",
                view(self.progress_view),
                name="surveys_scoringrun_progress",
            ),
            path("<int:pk>/results/", view(self.results_view), name="surveys_scoringrun_results"),
            *super().get_urls(),
        ]

    def _run_for(self, request, pk) -> ScoringRun:
        """The run, with its year: 404 for no such run, 403 for a user who may not view runs."""
        run = self.get_object(request, unquote(str(pk)))
        if run is None:
            raise Http404
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        return run

    def _progress_context(self, run: ScoringRun) -> dict:
        return {
            "run": run,
            "progress": run_progress(run),
            "running": run.status == ScoringRun.Status.RUNNING,
            "complete": run.status == ScoringRun.Status.COMPLETE,
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A run's page is its progress: it follows a running run by itself (htmx, every
        second) until the run ends."""
        run = self._run_for(request, object_id)
        context = (
            self.admin_site.each_context(request)
            | self._progress_context(run)
            | {
                "title": _("Scoring run #%(number)s of %(year)s")
                % {"number": run.pk, "year": run.year.year},
                "opts": self.opts,
            }
        )
        return TemplateResponse(request, "admin/surveys/scoring_run.html", context)

    def progress_view(self, request, pk):
        """The progress fragment the run's page polls while the run is running."""
        run = self._run_for(request, pk)
        return TemplateResponse(
            request, "admin/surveys/_scoring_progress.html", self._progress_context(run)
        )

    def results_view(self, request, pk):
        """The run's aggregates, as DGA publishes them: every scope's groups in rank order."""
        run = self._run_for(request, pk)
        dimensions = list(run.year.dimensions.order_by("order", "code"))
        results = run_results(run, dimensions)
        highest, lowest = standouts([mean.mean for mean, _dimension in results.national_dimensions])
        context = self.admin_site.each_context(request) | {
            "title": _("Results of scoring run #%(number)s of %(year)s")
            % {"number": run.pk, "year": run.year.year},
            "run": run,
            "dimensions": dimensions,
            "national": results.national,
            "national_dimensions": results.national_dimensions,
            # (mean, dimension) of the one dimension to call highest, lowest: None when shared.
            "national_highest": None if highest is None else results.national_dimensions[highest],
            "national_lowest": None if lowest is None else results.national_dimensions[lowest],
            "scopes": results.scopes,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/surveys/scoring_results.html", context)


class ProblemsFilter(admin.SimpleListFilter):
    title = _("problems")
    parameter_name = "problems"

    def lookups(self, request, model_admin):
        return [("yes", _("With answers that cannot be scored")), ("no", _("No problems"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(problems=[])
        if self.value() == "no":
            return queryset.filter(problems=[])
        return queryset


@admin.register(ResponseScore)
class ResponseScoreAdmin(ViewOnlyAdmin):
    list_display = [
        "agency_code", "agency_name", "year", "run_link", "is_current", "overall_display",
        "change_display", "has_problems",
    ]  # fmt: skip
    list_filter = ["run__year", "run__is_current", "response__agency__level", ProblemsFilter]
    search_fields = ["response__agency__code", "response__agency__name_th"]
    ordering = ["-run_id", "-overall", "response_id"]
    list_per_page = 50
    readonly_fields = [
        "agency", "year", "run_link", "overall_display", "previous_display", "change_display",
        "scored_at", "dimension_table", "rank_table", "problem_list",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": readonly_fields[:7]}),
        (_("Dimension scores"), {"fields": ["dimension_table"]}),
        (_("Ranks in groups"), {"fields": ["rank_table"]}),
        (_("Answers that cannot be scored"), {"fields": ["problem_list"]}),
    ]

    class Media:
        css = {"all": ["css/dgaweb.css"]}  # the score page's tables of numbers

    def get_queryset(self, request):
        # The list and the score page alike: a score is shown with its agency, year and run.
        return (
            super()
            .get_queryset(request)
            .select_related("response__agency", "response__year", "run__year")
        )

    @admin.display(description=_("code"), ordering="response__agency__code")
    def agency_code(self, score):
        return score.response.agency.code

    @admin.display(description=_("agency"), ordering="response__agency__name_th")
    def agency_name(self, score):
        return localized(score.response.agency.name_th, score.response.agency.name_en)

    @admin.display(description=_("agency"))
    def agency(self, score):
        agency = score.response.agency
        return f"{agency.code} {localized(agency.name_th, agency.name_en)}"

    @admin.display(description=_("year"), ordering="run__year__year")
    def year(self, score):
        return score.run.year.year

    @admin.display(description=_("scoring run"), ordering="run_id")
    def run_link(self, score):
        url = reverse("admin:surveys_scoringrun_change", args=[score.run_id])
        return format_html('<a href="{}">#{}</a>', url, score.run_id)

    @admin.display(description=_("current"), boolean=True, ordering="run__is_current")
    def is_current(self, score):
        return score.run.is_current

    @admin.display(description=_("overall score"), ordering="overall")
    def overall_display(self, score):
        return score_format.score(score.overall)

    @admin.display(description=_("previous year's overall score"))
    def previous_display(self, score):
        return score_format.score(score.previous_overall)

    @admin.display(description=_("change"), ordering="change")
    def change_display(self, score):
        # Shown beside the two overall scores: their displayed difference.
        return score_format.score_difference(score.overall, score.previous_overall)

    @admin.display(description=_("problems"), boolean=True)
    def has_problems(self, score):
        return bool(score.problems)

    @admin.display(description=_("dimension scores"))
    def dimension_table(self, score):
        return render_to_string(
            "admin/surveys/_dimension_scores.html",
            {"dimension_scores": score.dimension_scores.select_related("dimension")},
        )

    @admin.display(description=_("ranks in groups"))
    def rank_table(self, score):
        ranks = sorted(
            score.ranks.select_related("group"),
            key=lambda rank: RESULT_SCOPES.index(rank.group.scope),
        )
        return render_to_string("admin/surveys/_score_ranks.html", {"ranks": ranks})

    @admin.display(description=_("answers that cannot be scored"))
    def problem_list(self, score):
        if not score.problems:
            return _("None")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {} ({})</li>",
                (
                    (problem["question"], problem["reason"], problem["value"])
                    for problem in score.problems
                ),
            ),
        )


# The agency list gets the invite action here, so that agencies never depends on surveys.
AgencyAdmin.actions = [*(AgencyAdmin.actions or []), invite_agencies]
