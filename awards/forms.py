"""The award committee's forms: a vote, a nominee, a declared conflict, the chair's decision.
They check the shape of what was posted; the award rules are checked by `services`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from .models import Vote
from .services import NOMINEE_MAX_LENGTH


class AgencyCodeField(forms.CharField):
    """An agency's code, cleaned to the Agency; an unknown code is refused by name."""

    def __init__(self, **kwargs):
        super().__init__(max_length=20, **kwargs)

    def clean(self, value):
        code = super().clean(value).upper()
        if not code:
            return None
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            raise forms.ValidationError(
                _("No agency has the code “%(code)s”."), code="unknown", params={"code": code}
            )
        return agency


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Your vote"),
        choices=Vote.Choice.choices,
        error_messages={"required": _("Choose approve, reject or abstain.")},
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)


class NominationForm(forms.Form):
    nominee = forms.CharField(label=_("Nominee"), max_length=NOMINEE_MAX_LENGTH)
    agency = AgencyCodeField(
        label=_("Agency code"),
        required=False,
        help_text=_("If the nominee works for an agency, its code, e.g. DRR."),
    )
    citation = forms.CharField(
        label=_("Citation"), required=False, max_length=5000, widget=forms.Textarea
    )


class ConflictForm(forms.Form):
    """The agency is picked from the search results (by id), not typed."""

    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.all(),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Search for the agency by its name or code, then choose it."),
            "invalid_choice": _("Choose the agency from the search results."),
        },
    )
    reason = forms.CharField(
        label=_("How you are linked to the agency"),
        max_length=255,
        help_text=_("For example: I sit on its board; my spouse is its CIO."),
    )


class FinaliseForm(forms.Form):
    """The winners, by candidate id; the template lays the boxes out beside each candidate's
    figures. The service refuses an empty choice, with its own message."""

    winners = forms.TypedMultipleChoiceField(
        label=_("Winners"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        label=_("Why the number of winners differs from the places"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when you choose more or fewer winners than the category's places."),
    )

    def __init__(self, *args, candidate_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["winners"].choices = [(str(pk), str(pk)) for pk in candidate_ids]
