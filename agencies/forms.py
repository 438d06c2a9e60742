from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import roles
from .models import User

ALLOW_STAFF_AND_COMMITTEE = "allow_staff_and_committee"
ALLOW_STAFF_AND_COMMITTEE_LABEL = _("Allow DGA staff and award committee together")


class UserCreationForm(auth_forms.UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(auth_forms.UserChangeForm):
    """The account as the admin changes it.

    Guarantees: the roles the account held when the form was built are kept as `roles_before`,
    for the admin's history; a save that newly makes the person both DGA staff and a committee
    member is refused unless the form has the superuser's confirmation box and it is ticked.
    Which fields the form has (the role fields only for a superuser) is the admin's choice.
    """

    class Meta:
        model = User
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles_before = roles.account_roles(self.instance)

    def roles_after(self) -> frozenset[str]:
        """The roles the account will hold once saved: the form's values, the stored ones else."""
        data = self.cleaned_data
        names = (
            {group.name for group in data["groups"]}
            if "groups" in data
            else set(self.roles_before) - {roles.SUPERUSER_FLAG, roles.STAFF_FLAG}
        )
        if data.get("is_superuser", self.instance.is_superuser):
            names.add(roles.SUPERUSER_FLAG)
        if data.get("is_staff", self.instance.is_staff):
            names.add(roles.STAFF_FLAG)
        return frozenset(names)

    def clean(self):
        cleaned_data = super().clean()
        newly_both = roles.is_staff_and_committee(
            self.roles_after()
        ) and not roles.is_staff_and_committee(self.roles_before)
        if newly_both and not cleaned_data.get(ALLOW_STAFF_AND_COMMITTEE):
            message = gettext(
                "DGA staff and the award committee are kept apart. To give this person both "
                "roles, tick “%(box)s”."
            ) % {"box": ALLOW_STAFF_AND_COMMITTEE_LABEL}
            field = ALLOW_STAFF_AND_COMMITTEE if ALLOW_STAFF_AND_COMMITTEE in self.fields else None
            self.add_error(field, message)
        return cleaned_data


class SuperuserUserChangeForm(UserChangeForm):
    """The change form a superuser sees: the roles, and the box that allows both sides at once."""

    allow_staff_and_committee = forms.BooleanField(
        label=ALLOW_STAFF_AND_COMMITTEE_LABEL,
        required=False,
        help_text=_(
            "The committee judges work that DGA staff prepare, so one person holds both roles "
            "only when a superuser confirms it here. The confirmation is kept in the user's "
            "history."
        ),
    )
