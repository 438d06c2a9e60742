"""DGA staff configure the awards here: the categories of a year and their rules, the 2564 set as
a starting point, shortlist generation (in a Celery worker) and publication. Shortlists, votes,
conflicts, publications and the audit record are shown, never edited: the committee works in its
own pages, and every change goes through the services, which write the audit record."""

from collections import defaultdict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from surveys.admin import NoWritesMixin, ViewOnlyAdmin
from surveys.models import Dimension, Question, SurveyYear
from surveys.templatetags.scores import score as score_format

from . import presets, publication, services, tasks
from .models import (
    AuditEntry,
    AwardCategory,
    Candidate,
    ConflictOfInterest,
    Exclusion,
    Shortlist,
    Vote,
)
from .selectors import shortlist_is_stale, stale_shortlist_ids
from .shortlists import AwardError, generation_plan

# The category list's year filter; the year-wide buttons appear when the list is filtered by it.
YEAR_FILTER = "year__id__exact"
# The parts of a category that belong to one survey year, offered from the category's year only.
YEAR_PARTS = {
    "focus_dimensions": (Dimension, ["order", "code"]),
    "focus_questions": (Question, ["dimension__order", "order", "code"]),
    "criterion_question": (Question, ["dimension__order", "order", "code"]),
    "tiebreak_dimension": (Dimension, ["order", "code"]),
}


def _when(moment) -> str:
    return formats.localize(timezone.localtime(moment)) if moment else "—"


def _pk_in(value) -> int | None:
    """A primary key from a query string, or None."""
    return int(value) if value and str(value).isdigit() else None


def filtered_year_id(request) -> int | None:
    """The year the category list is filtered by, also when the list's filters are carried along
    to the add form (`_changelist_filters`)."""
    value = request.GET.get(YEAR_FILTER)
    if value is None and "_changelist_filters" in request.GET:
        value = QueryDict(request.GET["_changelist_filters"]).get(YEAR_FILTER)
    return _pk_in(value)


class CategoryFilter(admin.SimpleListFilter):
    """Filter by category, each named with its year (in one query, unlike the default filter)."""

    title = _("category")
    parameter_name = "category__id__exact"

    def lookups(self, request, model_admin):
        categories = AwardCategory.objects.select_related("year").order_by(
            "-year__year", "order", "code"
        )
        return [(str(category.pk), str(category)) for category in categories]

    def queryset(self, request, queryset):
        category_id = _pk_in(self.value())
        return queryset.filter(category_id=category_id) if category_id else queryset


# Categories ---------------------------------------------------------------------------------------


class AwardCategoryForm(forms.ModelForm):
    class Meta:
        model = AwardCategory
        fields = [
            "year", "code", "order", "name_th", "name_en", "rule_th", "rule_en", "kind",
            "winners", "runners_up", "minimum_score", "quorum", "level", "award_group",
            "ministry", "province", "focus_dimensions", "focus_questions", "criterion_question",
            "criterion_value", "tiebreak_dimension",
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        year = data.get("year") or (self.instance.year if self.instance.year_id else None)
        if year is None:
            return data
        for name in ("focus_dimensions", "focus_questions"):
            others = [item.code for item in data.get(name) or () if item.year_id != year.pk]
            if others:
                self.add_error(
                    name,
                    _("Choose only items of %(year)s, not %(codes)s.")
                    % {"year": year.year, "codes": ", ".join(others)},
                )
        return data


class YearChoiceForm(forms.Form):
    year = forms.ModelChoiceField(
        label=_("Survey year"), queryset=SurveyYear.objects.order_by("-year")
    )


class CategoryChangeList(ChangeList):
    def get_results(self, request):
        """The page's categories, each with its current shortlist and whether the scores
        changed since it was generated: two queries, whatever the number of categories."""
        super().get_results(request)
        categories = list(self.result_list)
        for category in categories:
            category.current_shortlist = next(iter(category.current_shortlists), None)
            if category.current_shortlist:
                category.current_shortlist.category = category
        stale = stale_shortlist_ids(
            [category.current_shortlist for category in categories if category.current_shortlist]
        )
        for category in categories:
            shortlist = category.current_shortlist
            category.shortlist_is_stale = None if shortlist is None else shortlist.pk in stale


@admin.register(AwardCategory)
class AwardCategoryAdmin(admin.ModelAdmin):
    form = AwardCategoryForm
    list_display = [
        "year_number", "order", "name_display", "kind", "winners", "status",
        "shortlist_generated_at", "stale_display",
    ]  # fmt: skip
    list_display_links = ["name_display"]
    list_filter = ["year", "kind", "status"]
    list_select_related = ["year"]
    search_fields = ["code", "name_th", "name_en"]
    ordering = ["-year__year", "order", "code"]
    actions = ["generate_selected"]
    filter_horizontal = ["focus_dimensions", "focus_questions"]
    readonly_fields = ["status", "finalised_at", "finalised_by"]
    fieldsets = [
        (
            _("Name and rule"),
            {"fields": ["year", "code", "order", "name_th", "name_en", "rule_th", "rule_en"]},
        ),
        (
            _("Kind and numbers"),
            {"fields": ["kind", "winners", "runners_up", "minimum_score", "quorum"]},
        ),
        (
            _("Eligibility"),
            {
                "fields": ["level", "award_group", "ministry", "province"],
                "description": _("Leave a field empty to admit every agency."),
            },
        ),
        (
            _("Focus (focus categories)"),
            {
                "fields": ["focus_dimensions", "focus_questions"],
                "description": _(
                    "Candidates are ranked on the points they earned of those possible on these "
                    "dimensions and questions together."
                ),
            },
        ),
        (
            _("Criterion (threshold categories)"),
            {"fields": ["criterion_question", "criterion_value"]},
        ),
        (_("Tie-break"), {"fields": ["tiebreak_dimension"]}),
        (_("Decision"), {"fields": ["status", "finalised_at", "finalised_by"]}),
    ]
    change_list_template = "admin/awards/awardcategory/change_list.html"
    change_form_template = "admin/awards/awardcategory/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "shortlists",
                    queryset=Shortlist.objects.current(),
                    to_attr="current_shortlists",
                )
            )
        )

    def get_changelist(self, request, **kwargs):
        return CategoryChangeList

    # A finalised category is the committee's decision: it is shown, never changed. Categories
    # are never deleted here (their shortlists protect them anyway).
    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_finalised:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_generate_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request)

    def has_preset_permission(self, request) -> bool:
        """Creating the 2564 set is adding categories."""
        return self.has_add_permission(request)

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("awards.publish_results")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["year", *self.readonly_fields]  # a category stays in its year
        return self.readonly_fields

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "year" not in initial and filtered_year_id(request):
            initial["year"] = filtered_year_id(request)
        return initial

    def get_form(self, request, obj=None, change=False, **kwargs):
        """Dimensions and questions are offered from the category's year only; until the year is
        known (a new category), from every year, labelled with it."""
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            year_id = obj.year_id
        else:
            year_id = _pk_in(request.POST.get("year") or request.GET.get("year"))
            year_id = year_id or filtered_year_id(request)
        for name, (model, ordering) in YEAR_PARTS.items():
            field = form.base_fields.get(name)
            if field is None:
                continue
            if year_id:
                field.queryset = model.objects.filter(year_id=year_id).order_by(*ordering)
            else:
                field.queryset = model.objects.select_related("year").order_by(
                    "-year__year", *ordering
                )
                field.label_from_instance = lambda item: f"{item.year.year} · {item}"
        return form

    @admin.display(description=_("year"), ordering="year__year")
    def year_number(self, category):
        return category.year.year

    @admin.display(description=_("name"), ordering="name_th")
    def name_display(self, category):
        return category.name

    @admin.display(description=_("current shortlist generated at"))
    def shortlist_generated_at(self, category):
        shortlist = category.current_shortlist
        if shortlist is None:
            return "—"
        url = reverse("admin:awards_shortlist_change", args=[shortlist.pk])
        return format_html('<a href="{}">{}</a>', url, _when(shortlist.generated_at))

    @admin.display(description=_("scores changed since"), boolean=True)
    def stale_display(self, category):
        return category.shortlist_is_stale

    def changelist_view(self, request, extra_context=None):
        year_id = filtered_year_id(request)
        year = SurveyYear.objects.filter(pk=year_id).first() if year_id else None
        if year is None:
            # Django hides the year filter when there is a single year to choose: act on the
            # only year that has categories, so the first year of all can be published too.
            years = SurveyYear.objects.filter(award_categories__isnull=False).distinct()[:2]
            year = years[0] if len(years) == 1 else None
        extra_context = (extra_context or {}) | {
            "award_year": year,
            "can_preset": self.has_preset_permission(request),
            "can_generate": self.has_generate_permission(request),
            "can_publish": self.has_publish_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("create-2564/", view(self.preset_view), name="awards_awardcategory_preset"),
            path(
                "year/<int:year_pk>/generate/",
                view(self.generate_view),
                name="awards_awardcategory_generate",
            ),
            path(
                "year/<int:year_pk>/publish/",
                view(self.publish_view),
                name="awards_awardcategory_publish",
            ),
            *super().get_urls(),
        ]

    def _year_list_url(self, year) -> str:
        return f"{reverse('admin:awards_awardcategory_changelist')}?{YEAR_FILTER}={year.pk}"

    def _year_page(self, request, year, template, title, **context):
        categories = list(
            AwardCategory.objects.filter(year=year)
            .prefetch_related(
                Prefetch(
                    "shortlists",
                    queryset=Shortlist.objects.current(),
                    to_attr="current_shortlists",
                )
            )
            .order_by("order", "code")
        )
        services.places_check(categories)
        for category in categories:
            shortlist = next(iter(category.current_shortlists), None)
            category.current_generated_at = _when(shortlist.generated_at) if shortlist else "—"
        context = (
            self.admin_site.each_context(request)
            | {
                "title": title,
                "year": year,
                "categories": categories,
                "open_categories": [c for c in categories if not c.is_finalised],
                "list_url": self._year_list_url(year),
                "opts": self.opts,
            }
            | context
        )
        return TemplateResponse(request, template, context)

    def preset_view(self, request):
        """Create the award categories of B.E. 2564 for a chosen year, to edit afterwards."""
        if not self.has_preset_permission(request):
            raise PermissionDenied
        year_id = _pk_in(request.GET.get("year"))
        form = YearChoiceForm(request.POST or None, initial={"year": year_id})
        if request.method == "POST" and form.is_valid():
            year = form.cleaned_data["year"]
            try:
                created = presets.awards_2564_create(year=year)
            except AwardError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                if created:
                    self.message_user(
                        request,
                        ngettext(
                            "%(count)s category created for %(year)s.",
                            "%(count)s categories created for %(year)s.",
                            len(created),
                        )
                        % {"count": len(created), "year": year.year},
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(
                        request,
                        _("%(year)s has every category of the 2564 set already.")
                        % {"year": year.year},
                        messages.WARNING,
                    )
                return HttpResponseRedirect(self._year_list_url(year))
        context = self.admin_site.each_context(request) | {
            "title": _("Create the 2564 award set"),
            "form": form,
            "presets": presets.AWARDS_2564,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/awards/create_2564.html", context)

    def generate_view(self, request, year_pk):
        """Generate the shortlists of the year's open categories that need one, in a worker;
        those up to date with the scores are left as they are, and the page says which."""
        year = get_object_or_404(SurveyYear, pk=year_pk)
        if not self.has_generate_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            self._generate(request, year, None)
            return HttpResponseRedirect(self._year_list_url(year))
        return self._year_page(
            request,
            year,
            "admin/awards/generate_shortlists.html",
            _("Generate the shortlists of %(year)s") % {"year": year.year},
            up_to_date=generation_plan(year).up_to_date,
        )

    @admin.action(
        description=_("Generate the shortlists of the selected categories"),
        permissions=["generate"],
    )
    def generate_selected(self, request, queryset):
        by_year, finalised = defaultdict(list), []
        for category in queryset.select_related("year").order_by("year__year", "order", "code"):
            if category.is_finalised:
                finalised.append(category.name)
            else:
                by_year[category.year].append(category.pk)
        if finalised:
            self.message_user(
                request,
                _("Finalised categories keep their shortlist and were left out: %(categories)s.")
                % {"categories": ", ".join(finalised)},
                messages.WARNING,
            )
        for year, category_ids in by_year.items():
            self._generate(request, year, category_ids)

    def _generate(self, request, year, category_ids) -> None:
        """Queue the generation of the year's open categories (or of `category_ids`) that need
        a new shortlist and say so, naming those left as they are; or say why nothing is
        queued (the year or the categories are named)."""
        try:
            plan = tasks.shortlists_request(year=year, user=request.user, category_ids=category_ids)
        except AwardError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        if not plan.due:
            self.message_user(
                request,
                _("%(year)s has no open category to generate a shortlist for.")
                % {"year": year.year},
                messages.WARNING,
            )
            return
        queued = ngettext(
            "Generating the shortlist of %(count)s category of %(year)s: it appears in the list "
            "once a worker has made it.",
            "Generating the shortlists of %(count)s categories of %(year)s: they appear in the "
            "list once a worker has made them.",
            len(plan.due),
        ) % {"count": len(plan.due), "year": year.year}
        url = (
            f"{reverse('admin:awards_shortlist_changelist')}"
            f"?category__year__id__exact={year.pk}&is_current__exact=1"
        )
        self.message_user(
            request,
            format_html('{} <a href="{}">{}</a>', queued, url, _("Current shortlists")),
            messages.SUCCESS,
        )
        if plan.up_to_date:
            self.message_user(
                request,
                ngettext(
                    "Left as it is: %(categories)s. Its shortlist is up to date with the scores, "
                    "and regenerating it would restart the committee's votes.",
                    "Left as they are: %(categories)s. Their shortlists are up to date with the "
                    "scores, and regenerating them would restart the committee's votes.",
                    len(plan.up_to_date),
                )
                % {"categories": ", ".join(category.name for category in plan.up_to_date)},
                messages.INFO,
            )

    def publish_view(self, request, year_pk):
        """Ask for confirmation, warning of winners whose certificates will carry no English
        name, then publish the year's results."""
        year = get_object_or_404(SurveyYear, pk=year_pk)
        if not self.has_publish_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            try:
                services.results_publish(year=year, user=request.user)
            except AwardError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("The awards of %(year)s are published.") % {"year": year.year},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(self._year_list_url(year))
        return self._year_page(
            request,
            year,
            "admin/awards/publish_results.html",
            _("Publish the results of %(year)s") % {"year": year.year},
            show_places=True,
            without_english_name=(
                [] if year.is_published else publication.winners_without_english_name(year)
            ),
        )


# Shortlists ---------------------------------------------------------------------------------------


class CandidateInline(NoWritesMixin, admin.TabularInline):
    model = Candidate
    fields = ["place", "standing", "name", "score_display", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency", "province")

    @admin.display(description=_("candidate"))
    def name(self, candidate):
        return candidate.display_name

    @admin.display(description=_("score ranked on"))
    def score_display(self, candidate):
        return score_format(candidate.score)

    @admin.display(description=_("reason"))
    def reason(self, candidate):
        return candidate.reason


class ShortlistChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        shortlists = list(self.result_list)
        stale = stale_shortlist_ids(shortlists)
        for shortlist in shortlists:
            shortlist.is_stale = shortlist.pk in stale if shortlist.run_id else None


@admin.register(Shortlist)
class ShortlistAdmin(ViewOnlyAdmin):
    list_display = [
        "category_display", "generated_at", "generated_by", "run_link", "is_current",
        "stale_display", "ranked",
    ]  # fmt: skip
    list_filter = ["category__year", "is_current", CategoryFilter]
    list_select_related = ["category__year", "generated_by"]
    search_fields = ["category__code", "category__name_th", "category__name_en"]
    fields = [
        "category", "run_link", "scores_as_of", "generated_at", "generated_by", "is_current",
        "stale_display", "ranked", "exclusion_counts",
    ]  # fmt: skip
    readonly_fields = ["run_link", "stale_display", "exclusion_counts"]
    inlines = [CandidateInline]

    def get_changelist(self, request, **kwargs):
        return ShortlistChangeList

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category__year", "generated_by")

    @admin.display(description=_("category"), ordering="category__order")
    def category_display(self, shortlist):
        return f"{shortlist.category.year.year} · {shortlist.category.name}"

    @admin.display(description=_("scoring run"), ordering="run_id")
    def run_link(self, shortlist):
        if shortlist.run_id is None:
            return "—"
        url = reverse("admin:surveys_scoringrun_change", args=[shortlist.run_id])
        return format_html('<a href="{}">#{}</a>', url, shortlist.run_id)

    @admin.display(description=_("scores changed since"), boolean=True)
    def stale_display(self, shortlist):
        if not hasattr(shortlist, "is_stale"):  # the shortlist's own page
            shortlist.is_stale = shortlist_is_stale(shortlist) if shortlist.run_id else None
        return shortlist.is_stale

    @admin.display(description=_("excluded"))
    def exclusion_counts(self, shortlist):
        labels = dict(Exclusion.Reason.choices)
        counts = (
            shortlist.exclusions.values_list("reason")
            .annotate(count=Count("pk"))
            .order_by("reason")
        )
        if not counts:
            return _("None")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>{}: {}</li>", ((labels.get(r, r), count) for r, count in counts)
            ),
        )


# The committee's work and the audit record -------------------------------------------------------


@admin.register(Vote)
class VoteAdmin(ViewOnlyAdmin):
    list_display = [
        "category", "candidate", "member", "choice", "cast_at", "updated_at", "voided_at",
    ]  # fmt: skip
    list_filter = ["candidate__shortlist__category__year", "choice", "voided_at"]
    list_select_related = [
        "candidate__agency", "candidate__province", "candidate__shortlist__category", "member",
    ]  # fmt: skip
    search_fields = ["member__email", "candidate__agency__code", "candidate__nominee"]

    @admin.display(description=_("category"))
    def category(self, vote):
        return vote.candidate.shortlist.category.name


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(ViewOnlyAdmin):
    list_display = ["year_number", "member", "agency", "reason", "declared_at", "withdrawn_at"]
    list_filter = ["year", "withdrawn_at"]
    list_select_related = ["year", "member", "agency"]
    search_fields = ["member__email", "agency__code", "agency__name_th"]

    @admin.display(description=_("year"), ordering="year__year")
    def year_number(self, conflict):
        return conflict.year.year


@admin.register(AuditEntry)
class AuditEntryAdmin(ViewOnlyAdmin):
    """The append-only record: PostgreSQL refuses to change or delete it, and so does the admin."""

    list_display = ["at", "actor", "action", "year_number", "category_name", "summary"]
    list_filter = ["year", "action", CategoryFilter]
    list_select_related = ["actor", "year", "category"]
    search_fields = ["summary"]
    fields = ["at", "actor", "action", "year", "category", "summary", "data"]

    @admin.display(description=_("survey year"), ordering="year__year")
    def year_number(self, entry):
        return entry.year.year

    @admin.display(description=_("category"), ordering="category__order")
    def category_name(self, entry):
        return entry.category.name if entry.category_id else "—"
