"""Import and export of the registry as XLSX and CSV (django-import-export).

Every resource validates each row in full (model validation plus the checks below) and the import
service rolls the whole file back if any row is bad, so a file is taken whole or not at all.
Re-importing an unchanged file changes nothing: unchanged rows are skipped. A cell that starts
like a formula (= + - @) is exported as text, behind an apostrophe the import takes off again
(common.exports), so whoever opens the file runs nothing and the round trip still holds.
"""

from collections import Counter

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from common.exports import FormulaSafeResourceMixin

from .models import Agency, Ministry, Province, ProvincialUnitType


class CodeWidget(widgets.ForeignKeyWidget):
    """A related row given by its code. An unknown code is a validation error that names it."""

    def __init__(self, model, what, queryset=None):
        super().__init__(model, field="code")
        self.what = what
        self.queryset = queryset
        self._cache = {}  # per import: a resource deep-copies its fields when it is created

    def get_queryset(self, value, row, *args, **kwargs):
        return self.queryset if self.queryset is not None else self.model.objects.all()

    def clean(self, value, row=None, **kwargs):
        code = (value or "").strip() if isinstance(value, str) else value
        if code in (None, ""):
            return None
        # Only hits are cached: a row earlier in the same file may create the code we look for.
        if code not in self._cache:
            try:
                self._cache[code] = self.get_queryset(code, row).get(code=code)
            except self.model.DoesNotExist:
                raise ValueError(
                    _("unknown %(what)s code “%(code)s”") % {"what": self.what, "code": code}
                ) from None
        return self._cache[code]


class StrippedCharWidget(widgets.CharWidget):
    """Text with surrounding spaces removed: a stray space must not make a new code."""

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value, row, **kwargs)
        return value.strip() if isinstance(value, str) else value


class RegistryResource(FormulaSafeResourceMixin, resources.ModelResource):
    """Shared behaviour: rows keyed by `code`, full validation, duplicates in a file refused, and
    text that starts like a formula exported behind an apostrophe, which the import takes off."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._repeated_rows = {}

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        if f.get_internal_type() in ("CharField", "TextField"):
            return StrippedCharWidget
        return super().widget_from_django_field(f, default)

    def before_import(self, dataset, **kwargs):
        """Remember every row whose code already appeared higher up in the file."""
        self._repeated_rows = {}
        if "code" not in (dataset.headers or []):
            return
        first_row_of = {}
        codes = [str(code or "").strip() for code in dataset["code"]]
        repeated = {code for code, count in Counter(codes).items() if count > 1 and code}
        for number, code in enumerate(codes, start=1):
            if code in repeated:
                if code in first_row_of:
                    self._repeated_rows[number] = (code, first_row_of[code])
                else:
                    first_row_of[code] = number

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        repeated = self._repeated_rows.get(kwargs.get("row_number"))
        if repeated:
            code, first_row = repeated
            errors.setdefault("code", []).append(
                _("code “%(code)s” appears more than once in the file (first on row %(row)s)")
                % {"code": code, "row": first_row}
            )
        if errors:
            raise ValidationError(errors)

    class Meta:
        # Subclasses' own Meta adds to these (django-import-export merges Meta options of bases).
        import_id_fields = ("code",)
        skip_unchanged = True
        clean_model_instances = True


class ProvinceResource(RegistryResource):
    class Meta:
        model = Province
        fields = ("code", "name_th", "name_en", "region")


class MinistryResource(RegistryResource):
    class Meta:
        model = Ministry
        fields = ("code", "name_th", "name_en")


class ProvincialUnitTypeResource(RegistryResource):
    parent = fields.Field(
        attribute="parent_department",
        column_name="parent",
        widget=CodeWidget(Agency, gettext_lazy("department"), Agency.objects.departments()),
    )

    class Meta:
        model = ProvincialUnitType
        fields = ("number", "code", "name_th", "name_en", "parent")


class AgencyResource(RegistryResource):
    ministry = fields.Field(
        attribute="ministry",
        column_name="ministry",
        widget=CodeWidget(Ministry, gettext_lazy("ministry")),
    )
    province = fields.Field(
        attribute="province",
        column_name="province",
        widget=CodeWidget(Province, gettext_lazy("province")),
    )
    unit_type = fields.Field(
        attribute="unit_type",
        column_name="unit_type",
        widget=CodeWidget(ProvincialUnitType, gettext_lazy("unit type")),
    )
    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=CodeWidget(Agency, gettext_lazy("department"), Agency.objects.departments()),
    )
    active = fields.Field(
        attribute="is_active", column_name="active", widget=widgets.BooleanWidget(), default=True
    )

    class Meta:
        model = Agency
        fields = (
            "code",
            "name_th",
            "name_en",
            "level",
            "award_group",
            "ministry",
            "province",
            "unit_type",
            "parent",
            "active",
        )
