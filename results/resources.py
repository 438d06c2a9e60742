"""DGA staff's exports (django-import-export, export only): all results of a year, one row per
scored agency, and the fieldwork list, as XLSX or CSV. A name that starts like a formula is
written as text (common.exports.FormulaSafeResourceMixin); scores and dates stay numbers and dates.

Each resource reads a fixed number of queries whatever the number of agencies: the rows come
from one select_related queryset, and what belongs to many rows (dimension scores, ranks) is
read once in `before_export` into dicts keyed by score.
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.formats import base_formats

from common.exports import FormulaSafeResourceMixin
from surveys.models import (
    Dimension,
    DimensionScore,
    GroupScore,
    ResponseRank,
    ResponseScore,
    ScoringRun,
    SurveyYear,
    localized,
)
from surveys.scoring import score_difference, score_display

from .dashboards import FieldworkStatus, ministry_of

EMPTY = ""
FORMATS = {"xlsx": base_formats.XLSX, "csv": base_formats.CSV}
# One width for every column: tablib's "adaptive" widths measure every cell again, time that a
# 1,922-row export cannot spare.
XLSX_COLUMN_WIDTH = 18
# The groups an agency is ranked in, in the order of the columns.
RANK_SCOPES = [
    GroupScore.Scope.NATIONAL,
    GroupScore.Scope.LEVEL,
    GroupScore.Scope.MINISTRY,
    GroupScore.Scope.AWARD_GROUP,
    GroupScore.Scope.PROVINCE,
    GroupScore.Scope.UNIT_TYPE,
]


def _score(value: Decimal | None):
    """Two decimals rounded half up, as everywhere; empty when there is none."""
    return EMPTY if value is None else score_display(value)


def _name(item) -> str:
    return localized(item.name_th, item.name_en) if item is not None else EMPTY


def _local_time(value: datetime | None):
    """Spreadsheets know no time zones: Bangkok time, without one."""
    return EMPTY if value is None else timezone.localtime(value).replace(tzinfo=None)


class _ColumnsResource(FormulaSafeResourceMixin, resources.Resource):
    """A resource whose columns are built per export, each read by a function of the row, so
    that the columns can depend on the year (its dimensions) and the headers on the language.
    Its text cells are written as data, never as formulas (common.exports)."""

    def __init__(self, columns: list[tuple[str, str, Callable]]):
        super().__init__()
        self.fields = {
            name: Field(column_name=header, dehydrate_method=read) for name, header, read in columns
        }
        self._readers = [read for _name, _header, read in columns]

    def export_resource(self, instance, selected_fields=None, **kwargs):
        # Every column is read by its function: skip the library's per-cell look-up of the
        # field's name (quadratic in the number of columns), which dominates at 1,922 rows.
        if selected_fields:
            return super().export_resource(instance, selected_fields, **kwargs)
        return [read(instance) for read in self._readers]


class YearResultsResource(_ColumnsResource):
    """All results of a year's current run: one row per scored agency, best first, with its
    dimension scores (a column per dimension code), its change against the previous year, its
    rank in each of its groups and those groups' means. Four queries: the dimensions are given,
    then the scores with their agencies, the dimension scores, the ranks with their groups."""

    def __init__(self, *, run: ScoringRun, dimensions: list[Dimension]):
        self.run = run
        self.dimension_values: dict[int, dict[int, Decimal]] = {}
        self.ranks: dict[int, dict[str, tuple[int, Decimal]]] = {}
        scope_names = dict(GroupScore.Scope.choices)
        columns = [
            ("code", _("Agency code"), lambda s: s.response.agency.code),
            ("name_th", _("Name (Thai)"), lambda s: s.response.agency.name_th),
            ("name_en", _("Name (English)"), lambda s: s.response.agency.name_en),
            ("level", _("Level"), lambda s: s.response.agency.get_level_display()),
            ("ministry", _("Ministry"), lambda s: _name(ministry_of(s.response.agency))),
            (
                "award_group",
                _("Award group"),
                lambda s: s.response.agency.get_award_group_display(),
            ),
            ("province", _("Province"), lambda s: _name(s.response.agency.province)),
            ("unit_type", _("Provincial unit type"), lambda s: _name(s.response.agency.unit_type)),
            ("overall", _("Overall score"), lambda s: _score(s.overall)),
            *[
                (f"dimension_{dimension.pk}", dimension.code, self._dimension_reader(dimension))
                for dimension in dimensions
            ],
            ("previous_overall", _("Previous overall score"), lambda s: _score(s.previous_overall)),
            (
                "change",
                _("Change"),
                lambda s: _score(score_difference(s.overall, s.previous_overall)),
            ),
            ("problems", _("Held back (unscorable answers)"), lambda s: len(s.problems) or EMPTY),
        ]
        for scope in RANK_SCOPES:
            columns += [
                (
                    f"rank_{scope}",
                    _("Rank: %(group)s") % {"group": scope_names[scope]},
                    self._rank_reader(scope, 0),
                ),
                (
                    f"mean_{scope}",
                    _("Mean: %(group)s") % {"group": scope_names[scope]},
                    self._rank_reader(scope, 1),
                ),
            ]
        super().__init__(columns)

    def _dimension_reader(self, dimension: Dimension):
        return lambda score: _score(self.dimension_values[score.pk].get(dimension.pk))

    def _rank_reader(self, scope: str, part: int):
        def read(score):
            found = self.ranks[score.pk].get(scope)
            if found is None:
                return EMPTY
            return found[0] if part == 0 else _score(found[1])

        return read

    def get_queryset(self) -> QuerySet:
        return (
            ResponseScore.objects.filter(run=self.run)
            .select_related(
                "response__agency__ministry",
                "response__agency__parent__ministry",
                "response__agency__province",
                "response__agency__unit_type",
            )
            .order_by("-overall", "response__agency__code")
        )

    def before_export(self, queryset, **kwargs):
        dimension_values = defaultdict(dict)
        for score_id, dimension_id, value in (
            DimensionScore.objects.filter(score__run=self.run)
            .order_by()
            .values_list("score_id", "dimension_id", "value")
        ):
            dimension_values[score_id][dimension_id] = value
        ranks = defaultdict(dict)
        for score_id, scope, rank, mean in (
            ResponseRank.objects.filter(score__run=self.run)
            .order_by()
            .values_list("score_id", "group__scope", "rank", "group__overall_mean")
        ):
            ranks[score_id][scope] = (rank, mean)
        self.dimension_values, self.ranks = dimension_values, ranks


class FieldworkResource(_ColumnsResource):
    """The fieldwork list: each invited agency (or those of the chase list) with its status,
    dates, last activity and number of people with an account. Export the queryset of
    `results.dashboards.fieldwork_responses`: one query."""

    def __init__(self):
        columns = [
            ("code", _("Agency code"), lambda r: r.agency.code),
            ("name_th", _("Name (Thai)"), lambda r: r.agency.name_th),
            ("name_en", _("Name (English)"), lambda r: r.agency.name_en),
            ("level", _("Level"), lambda r: r.agency.get_level_display()),
            ("ministry", _("Ministry"), lambda r: _name(ministry_of(r.agency))),
            ("province", _("Province"), lambda r: _name(r.agency.province)),
            ("status", _("Status"), lambda r: str(FieldworkStatus.labels[r.fieldwork_status])),
            ("invited_at", _("Invited at"), lambda r: _local_time(r.invited_at)),
            ("started_at", _("Started at"), lambda r: _local_time(r.started_at)),
            ("submitted_at", _("Submitted at"), lambda r: _local_time(r.submitted_at)),
            ("last_activity", _("Last activity"), lambda r: _local_time(r.last_activity)),
            ("accounts", _("People with an account"), lambda r: r.accounts),
        ]
        super().__init__(columns)


def export_file(resource: resources.Resource, fmt: str, queryset=None) -> bytes:
    """The resource's rows (of `queryset`, else its own) as XLSX, or as CSV in UTF-8 with a
    byte-order mark so that Excel opens the Thai text as Thai."""
    dataset = resource.export(queryset)
    options = {"column_width": XLSX_COLUMN_WIDTH} if fmt == "xlsx" else {}
    data = FORMATS[fmt]().export_data(dataset, **options)
    return data.encode("utf-8-sig") if isinstance(data, str) else data


def content_type(fmt: str) -> str:
    return FORMATS[fmt]().get_content_type()


def results_filename(year: SurveyYear, fmt: str) -> str:
    return f"dgaweb-{year.year}-results.{fmt}"


def fieldwork_filename(year: SurveyYear, fmt: str) -> str:
    return f"dgaweb-{year.year}-fieldwork.{fmt}"
