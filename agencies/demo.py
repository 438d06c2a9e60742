"""The real-scale demo registry and the demo accounts that `manage.py seed_demo` loads.

Everything here is determined by the CSV files in agencies/data/ (no randomness), and each step
upserts by code or e-mail address, so loading twice leaves the database exactly as once.
"""

from dataclasses import dataclass
from pathlib import Path

import tablib
from django.contrib.auth.models import Group

from . import roles
from .models import Agency, AgencyMembership, Province, ProvincialUnitType, User
from .resources import AgencyResource
from .services import RESOURCES, ImportSummary, dataset_from_file, registry_import

DATA_DIR = Path(__file__).resolve().parent / "data"

# Bangkok has no provincial units of its own: the BMA is surveyed as special local government.
BANGKOK = "TH-10"


def demo_registry_load() -> dict[str, ImportSummary]:
    """Load provinces, ministries, departments, unit types, 1,520 provincial units, BMA, Pattaya."""
    return {
        "provinces": _import("provinces", DATA_DIR / "provinces.csv"),
        "ministries": _import("ministries", DATA_DIR / "ministries.csv"),
        "departments": _import("agencies", DATA_DIR / "departments.csv"),
        "unit types": _import("unit-types", DATA_DIR / "unit_types.csv"),
        "provincial units": registry_import(
            resource_class=AgencyResource, dataset=provincial_units_dataset()
        ),
        "special local government": _import("agencies", DATA_DIR / "local.csv"),
    }


def _import(kind: str, path: Path) -> ImportSummary:
    return registry_import(resource_class=RESOURCES[kind], dataset=dataset_from_file(path))


def provincial_units_dataset() -> tablib.Dataset:
    """One row per unit type in every province outside Bangkok, in the agency import format."""
    dataset = tablib.Dataset(headers=AgencyResource().get_export_headers())
    unit_types = list(ProvincialUnitType.objects.select_related("parent_department"))
    for province in Province.objects.exclude(code=BANGKOK).order_by("code"):
        for unit_type in unit_types:
            row = {
                "code": f"{province.code}-{unit_type.number:02d}",
                "name_th": f"{unit_type.name_th}{province.name_th}",
                "name_en": f"{province.name_en} {unit_type.name_en}",
                "level": Agency.Level.PROVINCIAL_UNIT,
                "award_group": "",
                "ministry": "",
                "province": province.code,
                "unit_type": unit_type.code,
                "parent": unit_type.parent_department.code,
                "active": "1",
            }
            dataset.append([row[header] for header in dataset.headers])
    return dataset


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: str
    agency_code: str = ""
    groups: tuple[str, ...] = ()
    membership_role: str = ""
    is_superuser: bool = False


DEMO_ACCOUNTS = [
    DemoAccount(
        "admin@dgaweb.example",
        "demo-admin-2569",
        "DGA staff admin",
        groups=(roles.DGA_STAFF,),
        is_superuser=True,
    ),
    DemoAccount(
        "coordinator@drr.dgaweb.example",
        "demo-drr-2569",
        "respondent (coordinator)",
        agency_code="DRR",
        membership_role=AgencyMembership.Role.COORDINATOR,
    ),
    DemoAccount(
        "respondent@cmi.dgaweb.example",
        "demo-cmi-2569",
        "respondent",
        agency_code="TH-50-01",
        membership_role=AgencyMembership.Role.RESPONDENT,
    ),
    DemoAccount(
        "committee@dgaweb.example",
        "demo-committee-2569",
        "award committee chair",
        groups=(roles.AWARD_COMMITTEE, roles.AWARD_CHAIR),
    ),
    # Two more members, whose votes the demo casts, so that the chair's vote makes the quorum.
    DemoAccount(
        "member2@dgaweb.example",
        "demo-member2-2569",
        "award committee member",
        groups=(roles.AWARD_COMMITTEE,),
    ),
    DemoAccount(
        "member3@dgaweb.example",
        "demo-member3-2569",
        "award committee member",
        groups=(roles.AWARD_COMMITTEE,),
    ),
]


def demo_accounts_ensure() -> list[tuple[DemoAccount, bool]]:
    """Create the demo accounts that are missing; an existing one is left exactly as it is.

    Returns each account with whether it was created now.
    """
    ensured = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        created = user is None
        if created:
            user = User.objects.create_user(
                account.email,
                account.password,
                is_staff=account.is_superuser or roles.DGA_STAFF in account.groups,
                is_superuser=account.is_superuser,
            )
            user.groups.add(*Group.objects.filter(name__in=account.groups))
            if account.agency_code:
                AgencyMembership.objects.create(
                    user=user,
                    agency=Agency.objects.get(code=account.agency_code),
                    role=account.membership_role,
                )
        ensured.append((account, created))
    return ensured
