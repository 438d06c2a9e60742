"""Who answers the survey: provinces, ministries, agencies, and the people who work for them."""

import rules
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]*$",
    _("Use capital letters, digits and hyphens only, e.g. DRR or TH-50-01."),
)


class Region(models.TextChoices):
    NORTH = "north", _("North")
    NORTHEAST = "northeast", _("Northeast")
    CENTRAL = "central", _("Central")
    EAST = "east", _("East")
    WEST = "west", _("West")
    SOUTH = "south", _("South")


class Province(models.Model):
    code = models.CharField(
        _("code"),
        max_length=5,
        unique=True,
        validators=[RegexValidator(r"^TH-\d{2}$", _("Use the ISO 3166-2 code, e.g. TH-50."))],
        help_text=_("ISO 3166-2:TH code, e.g. TH-10 for Bangkok."),
    )
    name_th = models.CharField(_("Thai name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, unique=True)
    region = models.CharField(_("region"), max_length=10, choices=Region.choices)

    class Meta:
        ordering = ["name_th"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        constraints = [
            models.CheckConstraint(
                condition=Q(region__in=Region.values),
                name="province_region_valid",
                violation_error_message=_("Unknown region."),
            ),
        ]

    def __str__(self):
        return self.name_th


class Ministry(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True, validators=[code_validator])
    name_th = models.CharField(_("Thai name"), max_length=200, unique=True)
    name_en = models.CharField(_("English name"), max_length=200, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ministry")
        verbose_name_plural = _("ministries")

    def __str__(self):
        return self.name_th


class ProvincialUnitType(models.Model):
    """One of the 20 kinds of provincial office in each province, such as Provincial Treasury."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    code = models.CharField(_("code"), max_length=10, unique=True, validators=[code_validator])
    name_th = models.CharField(_("Thai name"), max_length=200, unique=True)
    name_en = models.CharField(_("English name"), max_length=200, unique=True)
    parent_department = models.ForeignKey(
        "Agency",
        on_delete=models.PROTECT,
        related_name="provincial_unit_types",
        verbose_name=_("parent department"),
        limit_choices_to={"level": "department"},
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("provincial unit type")
        verbose_name_plural = _("provincial unit types")

    def __str__(self):
        return self.name_th


class AgencyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def departments(self):
        return self.filter(level=Agency.Level.DEPARTMENT)

    def provincial_units(self):
        return self.filter(level=Agency.Level.PROVINCIAL_UNIT)


class Agency(models.Model):
    class Level(models.TextChoices):
        DEPARTMENT = "department", _("Department level")
        PROVINCIAL_UNIT = "provincial_unit", _("Provincial unit")
        SPECIAL_LOCAL = "special_local", _("Special local government")
        LOCAL = "local", _("Local government")

    class AwardGroup(models.TextChoices):
        SERVICE = "service", _("Service-providing")
        POLICY = "policy", _("Policy / coordination / regulation / other")

    code = models.CharField(_("code"), max_length=20, unique=True, validators=[code_validator])
    name_th = models.CharField(_("Thai name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    award_group = models.CharField(
        _("award group"),
        max_length=10,
        choices=AwardGroup.choices,
        blank=True,
        help_text=_("Department level only."),
    )
    ministry = models.ForeignKey(
        Ministry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
        verbose_name=_("ministry"),
        help_text=_("Department level; a provincial unit belongs to its parent's ministry."),
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
        verbose_name=_("province"),
    )
    unit_type = models.ForeignKey(
        ProvincialUnitType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
        verbose_name=_("provincial unit type"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provincial_units",
        verbose_name=_("parent department"),
        limit_choices_to={"level": "department"},
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["department", "provincial_unit", "special_local", "local"]),
                name="agency_level_valid",
                violation_error_message=_("Unknown level."),
            ),
            models.CheckConstraint(
                condition=~Q(level="department")
                | (
                    Q(award_group__in=["service", "policy"], ministry__isnull=False)
                    & Q(province__isnull=True, unit_type__isnull=True, parent__isnull=True)
                ),
                name="agency_department_fields",
                violation_error_message=_(
                    "A department-level agency needs an award group and a ministry, "
                    "and no province, unit type or parent."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(level="provincial_unit")
                | Q(
                    award_group="",
                    ministry__isnull=True,
                    province__isnull=False,
                    unit_type__isnull=False,
                    parent__isnull=False,
                ),
                name="agency_provincial_unit_fields",
                violation_error_message=_(
                    "A provincial unit needs a province, a unit type and a parent department, "
                    "and no award group or ministry of its own."
                ),
            ),
            models.CheckConstraint(
                condition=Q(level__in=["department", "provincial_unit"])
                | Q(award_group="", unit_type__isnull=True, parent__isnull=True),
                name="agency_local_fields",
                violation_error_message=_(
                    "A local government has no award group, unit type or parent department."
                ),
            ),
            models.UniqueConstraint(
                fields=["province", "unit_type"],
                condition=Q(level="provincial_unit"),
                name="agency_one_unit_of_each_type_per_province",
                violation_error_message=_("This province already has a unit of this type."),
            ),
        ]
        indexes = [models.Index(fields=["level", "award_group"])]

    def __str__(self):
        return self.name_th

    @property
    def effective_ministry_id(self):
        """The ministry the agency answers to: its own, or for a provincial unit its parent's."""
        if self.level == self.Level.PROVINCIAL_UNIT and self.parent_id:
            return self.parent.ministry_id
        return self.ministry_id


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email):
        """The account of an e-mail address in any case, as the login pages ask for it: the
        unique index on LOWER(email) finds it and makes it the only one."""
        return self.alias(email_lower=Lower("email")).get(email_lower=(email or "").lower())

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in with an e-mail address and a password."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_case_insensitive"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def has_perm(self, perm, obj=None):
        """Django's answer, except for the permissions of agencies.permissions.ROLE_BOUND: those
        only their rule answers (never a superuser's flag, nor a model permission of the same
        name granted in the admin), so only the people who hold the role have them."""
        from .permissions import ROLE_BOUND

        if perm in ROLE_BOUND:
            return self.is_active and rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)

    async def ahas_perm(self, perm, obj=None):
        from .permissions import ROLE_BOUND

        if perm in ROLE_BOUND:
            return await sync_to_async(self.has_perm)(perm, obj)
        return await super().ahas_perm(perm, obj)


class AgencyMembership(models.Model):
    """Ties a respondent to the one agency whose questionnaire they answer."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        RESPONDENT = "respondent", _("Respondent")

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="membership", verbose_name=_("user")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("agency")
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.RESPONDENT)

    class Meta:
        ordering = ["agency", "user"]
        verbose_name = _("agency membership")
        verbose_name_plural = _("agency memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["coordinator", "respondent"]),
                name="membership_role_valid",
                violation_error_message=_("Role must be coordinator or respondent."),
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.agency}"
