"""The registry's write layer: importing provinces, ministries, unit types and agencies; ending
a person's sessions."""

from dataclasses import dataclass
from pathlib import Path

import tablib
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _

from .resources import (
    AgencyResource,
    MinistryResource,
    ProvinceResource,
    ProvincialUnitTypeResource,
    RegistryResource,
)

RESOURCES: dict[str, type[RegistryResource]] = {
    "provinces": ProvinceResource,
    "ministries": MinistryResource,
    "unit-types": ProvincialUnitTypeResource,
    "agencies": AgencyResource,
}


@dataclass(frozen=True)
class RowError:
    """One thing wrong with an imported file. Rows count data rows, the header not included."""

    row: int
    column: str
    message: str

    def __str__(self):
        if not self.row:
            return self.message
        return _("row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column or "–",
            "message": self.message,
        }


class RegistryImportError(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int


def dataset_from_file(path: Path) -> tablib.Dataset:
    """Read a CSV or XLSX file into a dataset; the format follows the file's extension."""
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "csv":
        return tablib.Dataset().load(path.read_text(encoding="utf-8-sig"), format="csv")
    if suffix == "xlsx":
        return tablib.Dataset().load(path.read_bytes(), format="xlsx")
    raise ValueError(_("%(name)s: use a .csv or .xlsx file") % {"name": path.name})


def dataset_from_upload(upload) -> tablib.Dataset:
    """An uploaded CSV or XLSX file (a form's UploadedFile) as a dataset."""
    suffix = Path(upload.name).suffix.lower().lstrip(".")
    content = upload.read()
    if suffix == "csv":
        return tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
    if suffix == "xlsx":
        return tablib.Dataset().load(content, format="xlsx")
    raise ValueError(_("%(name)s: use a .csv or .xlsx file") % {"name": upload.name})


def registry_import(
    *, resource_class: type[RegistryResource], dataset: tablib.Dataset
) -> ImportSummary:
    """Import every row of `dataset`, or none of them.

    Raises RegistryImportError listing every bad row (row number, column, reason) and leaves the
    database as it was; rows equal to what is stored are skipped, so a re-import is a no-op.
    """
    resource = resource_class()
    result = resource.import_data(
        dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )
    errors = import_errors(resource, result)
    if errors:
        raise RegistryImportError(errors)
    totals = result.totals
    return ImportSummary(
        created=totals.get("new", 0),
        updated=totals.get("update", 0),
        unchanged=totals.get("skip", 0),
    )


def import_errors(resource, result) -> list[RowError]:
    """Every problem of an import result, by row and by the file's column names, in row order.

    Used by registry_import and by the admin's import page, so both word errors the same way.
    """
    column_of = {field.attribute: field.column_name for field in resource.fields.values()}
    errors = [RowError(0, "", str(error.error)) for error in result.base_errors]
    for row_number, row_errors in result.row_errors():
        errors += [RowError(row_number, "", str(error.error)) for error in row_errors]
    for invalid_row in result.invalid_rows:
        for attribute, messages in invalid_row.error_dict.items():
            column = "" if attribute == NON_FIELD_ERRORS else column_of.get(attribute, attribute)
            errors += [RowError(invalid_row.number, column, message) for message in messages]
    return sorted(errors, key=lambda error: (error.row, error.column))


def sessions_end(*, user) -> int:
    """Log the person out everywhere: delete every live session of theirs; how many.

    Sessions are not indexed by user, so each live one is read; meant for rare events (a role
    given), not for a request's path.
    """
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    theirs = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(pk__in=theirs).delete()
    return len(theirs)
