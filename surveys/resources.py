"""Export and import of a year's questionnaire as two XLSX or CSV files, dimensions and questions.

The files are the registry's kind (agencies.resources): each row is validated in full, a file is
imported whole or not at all through agencies.services.registry_import, and rows equal to what is
stored are skipped, so importing an exported file again changes nothing. Rows are keyed by year
and code, so the same file loads into another draft year once its `year` column is changed.

A question row also carries what the model keeps elsewhere: its options and scoring bands, one a
line in a cell, and its show-if condition, which may name a question further down the file and is
therefore resolved after every row is saved.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import tablib
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from import_export import fields, widgets

from agencies.models import Agency
from agencies.resources import RegistryResource
from agencies.services import ImportSummary, RegistryImportError, registry_import

from .models import Dimension, Option, Question, ScoringBand, SurveyYear

ALL_LEVELS = "all"


def _text(cell) -> str:
    return "" if cell is None else str(cell).strip()


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _points_text(number: Decimal) -> str:
    """10.00 as 10 and 0.50 as 0.5, as a person would write them in a cell."""
    return f"{number.normalize():f}"


class _NumberErrorMixin:
    """The library's number widgets raise decimal.InvalidOperation, which the import reports
    without its column; a ValueError that quotes the cell is reported against the column."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except (InvalidOperation, ValueError):
            raise ValueError(_("“%(value)s” is not a number") % {"value": value}) from None


class DecimalCellWidget(_NumberErrorMixin, widgets.DecimalWidget):
    pass


class IntegerCellWidget(_NumberErrorMixin, widgets.IntegerWidget):
    pass


class SurveyYearWidget(widgets.ForeignKeyWidget):
    """A survey year given by its B.E. number. An unknown year is an error that names it."""

    def __init__(self):
        super().__init__(SurveyYear, field="year")
        self._cache = {}  # only hits: fields are deep-copied per resource, so per import

    def clean(self, value, row=None, **kwargs):
        number = IntegerCellWidget().clean(value)
        if number is None:
            return None
        if number not in self._cache:
            try:
                self._cache[number] = SurveyYear.objects.get(year=number)
            except SurveyYear.DoesNotExist:
                raise ValueError(_("unknown survey year “%(year)s”") % {"year": number}) from None
        return self._cache[number]


class DimensionWidget(widgets.ForeignKeyWidget):
    """A dimension given by its code within the row's year.

    agencies.resources.CodeWidget caches by code alone, which would mix up two years in one file.
    """

    def __init__(self):
        super().__init__(Dimension, field="code")
        self._cache = {}

    def clean(self, value, row=None, **kwargs):
        code = _text(value)
        try:
            year = IntegerCellWidget().clean((row or {}).get("year"))
        except ValueError:
            year = None
        if not code or year is None:
            return None
        if (year, code) not in self._cache:
            dimension = Dimension.objects.filter(year__year=year, code=code).first()
            if dimension is None:
                if not SurveyYear.objects.filter(year=year).exists():
                    return None  # the year column reports the unknown year
                raise ValueError(
                    _("unknown %(what)s code “%(code)s”") % {"what": _("dimension"), "code": code}
                )
            self._cache[year, code] = dimension
        return self._cache[year, code]


class RequiredWidget(widgets.BooleanWidget):
    """1/0, true/false or yes/no. Anything else is an error rather than a silent “no”."""

    WORDS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}

    def clean(self, value, row=None, **kwargs):
        word = _text(value).lower()
        if word == "":
            return None  # the field's default: required
        if word not in self.WORDS:
            raise ValueError(_("“%(value)s” is not 1 or 0 (or yes or no)") % {"value": value})
        return self.WORDS[word]


class LevelsWidget(widgets.Widget):
    """Agency levels as comma-separated values, or `all` for every level."""

    def clean(self, value, row=None, **kwargs):
        words = {word.strip() for word in _text(value).split(",") if word.strip()}
        if ALL_LEVELS in words:
            return list(Agency.Level.values)
        if unknown := sorted(words - set(Agency.Level.values)):
            raise ValueError(
                _("unknown agency level “%(level)s”; use %(levels)s, or all")
                % {"level": ", ".join(unknown), "levels": ", ".join(Agency.Level.values)}
            )
        return [level for level in Agency.Level.values if level in words]

    def render(self, value, obj=None, **kwargs):
        if set(value or []) == set(Agency.Level.values):
            return ALL_LEVELS
        return ",".join(level for level in Agency.Level.values if level in (value or []))


class QuestionnaireResource(RegistryResource):
    """A registry resource whose rows are keyed by year and code, and which refuses every row of
    a year whose questionnaire is frozen, even a row that changes nothing."""

    year = fields.Field(attribute="year", column_name="year", widget=SurveyYearWidget())

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        if isinstance(f, models.DecimalField):
            return DecimalCellWidget
        if isinstance(f, models.IntegerField):
            return IntegerCellWidget
        return super().widget_from_django_field(f, default)

    def before_import(self, dataset, **kwargs):
        """Remember every row whose year and code already appeared higher up in the file.

        Replaces RegistryResource's check, which keys rows by code alone.
        """
        self._repeated_rows = {}
        if not {"year", "code"} <= set(dataset.headers or []):
            return
        first_row_of = {}
        for number, (year, code) in enumerate(
            zip(dataset["year"], dataset["code"], strict=True), start=1
        ):
            key = (_text(year), _text(code))
            if not key[1]:
                continue
            if key in first_row_of:
                self._repeated_rows[number] = (key[1], first_row_of[key])
            else:
                first_row_of[key] = number

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None  # an unknown year: the row is reported against its year column

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if instance.year_id and instance.year.questionnaire_frozen:
            return False  # validation then refuses it with the model's frozen message
        return super().skip_row(instance, original, row, import_validation_errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Model validation, but a cell that could not be read is reported once, by itself: the
        model's complaint about the unset field (or, for the year, the dimension) follows from it.
        """
        # A copy: the library's validation extends the lists of the dictionary it is given.
        cell_errors = {
            field: list(errors) for field, errors in (import_validation_errors or {}).items()
        }
        if "year" in cell_errors:
            raise ValidationError(cell_errors)
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            raise ValidationError(
                {
                    field: cell_errors.get(field, errors)
                    for field, errors in error.error_dict.items()
                }
            ) from None

    class Meta:
        import_id_fields = ("year", "code")


class DimensionResource(QuestionnaireResource):
    class Meta:
        model = Dimension
        fields = (
            "year", "code", "order", "name_th", "name_en", "description_th", "description_en",
            "weight",
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Options and scoring bands, one a line in a cell


def _line_error(column: str, line: int, message: str) -> str:
    return _("%(column)s line %(line)s: %(message)s") % {
        "column": column,
        "line": line,
        "message": message,
    }


def _cell_lines(cell) -> list[tuple[int, list[str]]]:
    """The non-blank lines of a cell split at “|”, numbered from 1 as a person counts them."""
    return [
        (number, [part.strip() for part in line.split("|")])
        for number, line in enumerate(_text(cell).splitlines(), start=1)
        if line.strip()
    ]


def _parse_lines(column, cell, parts_format, build, key) -> list:
    """The model objects of a cell's lines; ValidationError with one message per bad line.

    `build(parts)` returns the unsaved object or raises ValueError; `key(obj)` must not repeat.
    """
    objects, problems, first_line_of = [], [], {}
    for number, parts in _cell_lines(cell):
        if len(parts) != len(parts_format.split("|")):
            message = _("write it as “%(format)s”") % {"format": parts_format}
            problems.append(_line_error(column, number, message))
            continue
        try:
            obj = build(parts)
            obj.clean_fields(exclude=["question", "order"])
        except ValueError as error:
            problems.append(_line_error(column, number, str(error)))
            continue
        except ValidationError as error:
            problems += [
                _line_error(column, number, f"{name}: {message}")
                for name, messages in error.message_dict.items()
                for message in messages
            ]
            continue
        if key(obj) in first_line_of:
            message = _("“%(value)s” appears more than once (first on line %(line)s)") % {
                "value": parts[0],
                "line": first_line_of[key(obj)],
            }
            problems.append(_line_error(column, number, message))
            continue
        first_line_of[key(obj)] = number
        objects.append(obj)
    if problems:
        raise ValidationError(problems)
    return objects


def _number_part(name: str, text: str) -> Decimal:
    number = _decimal(text)
    if number is None:
        raise ValueError(_("%(name)s “%(value)s” is not a number") % {"name": name, "value": text})
    return number


OPTION_FORMAT = "value | points | label_th | label_en"
BAND_FORMAT = "minimum | points"


def options_parse(cell) -> list[Option]:
    """Unsaved options, one a line as “value | points | label_th | label_en”, in that order."""

    def build(parts):
        value, points, label_th, label_en = parts
        return Option(
            value=value,
            points=_number_part("points", points),
            label_th=label_th,
            label_en=label_en,
        )

    return _parse_lines("options", cell, OPTION_FORMAT, build, key=lambda option: option.value)


def bands_parse(cell) -> list[ScoringBand]:
    """Unsaved scoring bands, one a line as “minimum | points”."""

    def build(parts):
        minimum, points = parts
        return ScoringBand(
            minimum=_number_part("minimum", minimum), points=_number_part("points", points)
        )

    return _parse_lines("bands", cell, BAND_FORMAT, build, key=lambda band: band.minimum)


def options_cell(options: Iterable[Option]) -> str:
    return "\n".join(
        f"{o.value} | {_points_text(o.points)} | {o.label_th} | {o.label_en}" for o in options
    )


def bands_cell(bands: Iterable[ScoringBand]) -> str:
    return "\n".join(f"{_points_text(b.minimum)} | {_points_text(b.points)}" for b in bands)


def _option_keys(options: Iterable[Option]) -> list[tuple]:
    return [(o.value, o.points, o.label_th, o.label_en) for o in options]


def _band_keys(bands: Iterable[ScoringBand]) -> list[tuple]:
    return sorted((b.minimum, b.points) for b in bands)


@dataclass
class QuestionCells:
    """What a question row says beyond the question's own fields; None where a column is absent
    from the file (then that part of the question is left as it is)."""

    options: list[Option] | None = None
    bands: list[ScoringBand] | None = None
    show_if: tuple[str, str] | None = None  # (question code, value), ("", "") for none
    stored_show_if: tuple[int | None, str] = (None, "")  # (question id, value) in the database


class QuestionResource(QuestionnaireResource):
    dimension = fields.Field(
        attribute="dimension", column_name="dimension", widget=DimensionWidget()
    )
    required = fields.Field(
        attribute="required", column_name="required", widget=RequiredWidget(), default=True
    )
    levels = fields.Field(attribute="levels", column_name="levels", widget=LevelsWidget())
    # Without an attribute: exported by the dehydrate methods below, imported by import_instance.
    show_if_question = fields.Field(column_name="show_if_question")
    show_if_value = fields.Field(column_name="show_if_value")
    options = fields.Field(column_name="options")
    bands = fields.Field(column_name="bands")

    class Meta:
        model = Question
        fields = (
            "year", "dimension", "code", "order", "kind", "required", "levels", "max_points",
            "text_th", "text_en", "help_th", "help_en", "show_if_question", "show_if_value",
            "options", "bands",
        )  # fmt: skip

    def dehydrate_show_if_question(self, question):
        return question.show_if_question.code if question.show_if_question_id else ""

    def dehydrate_show_if_value(self, question):
        return question.show_if_value

    def dehydrate_options(self, question):
        return options_cell(question.options.all()) if question.pk else ""

    def dehydrate_bands(self, question):
        return bands_cell(question.bands.all()) if question.pk else ""

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._conditions = []  # (row number, question) of the rows with show-if columns

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        cells = instance.import_cells = QuestionCells()
        for column, parse in (("options", options_parse), ("bands", bands_parse)):
            if column in row:
                try:
                    setattr(cells, column, parse(row[column]))
                except ValidationError as error:
                    errors[column] = error.messages
        errors.update(_cell_errors(instance, cells, errors))
        if {"show_if_question", "show_if_value"} <= row.keys():
            code, value = _text(row["show_if_question"]), _text(row["show_if_value"])
            if bool(code) != bool(value):
                errors["show_if_value" if code else "show_if_question"] = _(
                    "Give both show_if_question and show_if_value, or neither."
                )
            # The condition may be a later row: after_import sets it once every row is saved.
            cells.show_if = (code, value)
            cells.stored_show_if = (instance.show_if_question_id, instance.show_if_value)
            instance.show_if_question, instance.show_if_value = None, ""
            self._conditions.append((kwargs["row_number"], instance))
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if instance.pk is None or not super().skip_row(
            instance, original, row, import_validation_errors
        ):
            return False
        return not _changed_cells(instance.import_cells, original)

    def after_save_instance(self, instance, row, **kwargs):
        """Replace the question's options and bands by the cells', when they differ."""
        cells = instance.import_cells
        changed = _changed_cells(cells, instance)
        if "options" in changed:
            instance.options.all().delete()
            for order, option in enumerate(cells.options, start=1):
                option.question, option.order = instance, order
            Option.objects.bulk_create(cells.options)
        if "bands" in changed:
            instance.bands.all().delete()
            for band in cells.bands:
                band.question = instance
            ScoringBand.objects.bulk_create(cells.bands)
        if cells.show_if is not None:
            cells.stored_show_if = (None, "")  # the row was saved without its condition

    def after_import(self, dataset, result, **kwargs):
        """Set the show-if conditions, now that every question and option of the file is saved.

        A bad condition makes its row invalid, and so rolls the whole file back.
        """
        super().after_import(dataset, result, **kwargs)
        failed = {row.number for row in result.invalid_rows}
        failed |= {number for number, _errors in result.row_errors()}
        for number, question in self._conditions:
            if number in failed:
                continue
            try:
                _show_if_set(question)
            except ValidationError as error:
                result.append_invalid_row(number, dataset.dict[number - 1], error)


def _cell_errors(question: Question, cells: QuestionCells, errors: dict) -> dict:
    """Options only and always for choice questions, bands only and always for number and
    percentage ones, and none of them worth more than the question's maximum points."""
    if question.kind not in Question.Kind.values or "max_points" in errors:
        return {}  # the kind's or the maximum's own error comes first
    rules = {
        "options": (
            cells.options,
            Question.CHOICE_KINDS,
            _("A choice question needs options, one a line: “%(format)s”.")
            % {"format": OPTION_FORMAT},
            _("Only single and multiple choice questions have options."),
        ),
        "bands": (
            cells.bands,
            Question.BANDED_KINDS,
            _("A number or percentage question needs scoring bands, one a line: “%(format)s”.")
            % {"format": BAND_FORMAT},
            _("Only number and percentage questions have scoring bands."),
        ),
    }
    result = {}
    for column, (items, kinds, needed, unwanted) in rules.items():
        if items is None:
            continue
        if question.kind in kinds and not items:
            result[column] = needed
        elif question.kind not in kinds and items:
            result[column] = unwanted
        elif items and (top := max(item.points for item in items)) > question.max_points:
            result[column] = _(
                "%(points)s points are more than the question's maximum of %(max)s."
            ) % {"points": _points_text(top), "max": _points_text(question.max_points)}
    return result


def _changed_cells(cells: QuestionCells, question: Question) -> set[str]:
    """Which of "options", "bands" and "show_if" the cells would change in the stored question."""
    changed = set()
    if cells.options is not None and _option_keys(cells.options) != _option_keys(
        question.options.all()
    ):
        changed.add("options")
    if cells.bands is not None and _band_keys(cells.bands) != _band_keys(question.bands.all()):
        changed.add("bands")
    stored_show_if = (
        question.show_if_question.code if question.show_if_question_id else "",
        question.show_if_value,
    )
    if cells.show_if is not None and cells.show_if != stored_show_if:
        changed.add("show_if")
    return changed


def _show_if_set(question: Question) -> None:
    """Give the question the condition of its row, checked by the model's rules."""
    code, value = question.import_cells.show_if
    condition = None
    if code:
        condition = Question.objects.filter(year_id=question.year_id, code=code).first()
        if condition is None:
            raise ValidationError(
                {
                    "show_if_question": _("unknown %(what)s code “%(code)s”")
                    % {"what": _("question"), "code": code}
                }
            )
    question.show_if_question, question.show_if_value = condition, value
    question.clean()  # a single choice or yes/no question of the same year, and one of its values
    if (question.show_if_question_id, value) != question.import_cells.stored_show_if:
        question.save(update_fields=["show_if_question", "show_if_value"])


# ---------------------------------------------------------------------------------------------
# Services


def questionnaire_export(year: SurveyYear) -> tuple[tablib.Dataset, tablib.Dataset]:
    """The year's dimensions and questions in questionnaire order, in the import format."""
    dimensions = DimensionResource().export(
        queryset=Dimension.objects.filter(year=year)
        .select_related("year")
        .order_by("order", "code")
    )
    questions = QuestionResource().export(
        queryset=Question.objects.filter(year=year)
        .select_related("year", "dimension", "show_if_question")
        .prefetch_related("options", "bands")
        .order_by("dimension__order", "dimension__code", "order", "code")
    )
    return dimensions, questions


class QuestionnaireImportError(RegistryImportError):
    """A RegistryImportError that also says which file, "dimensions" or "questions", is bad."""

    def __init__(self, errors, *, file: str):
        self.file = file
        super().__init__(errors)


@transaction.atomic
def questionnaire_import(
    *, dimensions: tablib.Dataset | None, questions: tablib.Dataset | None
) -> dict[str, ImportSummary]:
    """Import the dimensions, then the questions, or nothing at all.

    Stops at the first bad file and raises QuestionnaireImportError listing its every bad row; the
    questions are not checked when the dimensions are bad, since they may name new dimensions.
    """
    summaries = {}
    for name, resource_class, dataset in (
        ("dimensions", DimensionResource, dimensions),
        ("questions", QuestionResource, questions),
    ):
        if dataset is None:
            continue
        try:
            summaries[name] = registry_import(resource_class=resource_class, dataset=dataset)
        except RegistryImportError as error:
            raise QuestionnaireImportError(error.errors, file=name) from None
    return summaries
