"""Plain-language reasons for a candidate's place and an entrant's exclusion, in the active
language: "gain +12.40 over 2020; overall 84.10 ≥ 80; 2nd of 311".

Years are B.E. in Thai and C.E. in English, as everywhere in the UI.
"""

from decimal import Decimal

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from surveys.templatetags.scores import score, signed_score

from . import rules


def _english() -> bool:
    return (get_language() or "th").startswith("en")


def year_label(year_be: int) -> str:
    return str(year_be - 543) if _english() else str(year_be)


def place_label(place: int, ranked: int) -> str:
    """ "2nd of 311" / "อันดับที่ 2 จาก 311"."""
    return _("%(place)s of %(count)s") % {
        "place": _ordinal_en(place) if _english() else place,
        "count": ranked,
    }


def _ordinal_en(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def candidate_reason(
    *,
    kind: str,
    placed: rules.Placed,
    ranked: int,
    minimum: Decimal | None,
    previous_year: int | None,
    focus_name: str = "",
    criterion: str = "",
    tiebreak_name: str = "",
    tie: str = "",
    units: tuple[int, int] | None = None,
) -> str:
    """`tie`: "" when no other candidate has the same figure; "overall" when one has, and the
    overall score ordered them; "tiebreak" when the overall score was equal too. `units`, for a
    province: how many of its units its score counts, of how many were invited."""
    entrant, parts = placed.entrant, []
    if kind == rules.MOST_IMPROVED:
        parts.append(
            _("gain %(change)s over %(year)s")
            % {"change": signed_score(entrant.change), "year": year_label(previous_year)}
            if previous_year
            else _("gain %(change)s") % {"change": signed_score(entrant.change)}
        )
    elif kind == rules.PROVINCE:
        parts.append(_("province score %(score)s") % {"score": score(entrant.overall)})
        if units:
            counted, invited = units
            parts.append(
                ngettext(
                    "%(counted)s of %(invited)s unit submitted",
                    "%(counted)s of %(invited)s units submitted",
                    invited,
                )
                % {"counted": counted, "invited": invited}
            )
    elif kind == rules.FOCUS:
        parts.append(
            _("%(focus)s %(score)s") % {"focus": focus_name, "score": score(entrant.focus)}
        )
    elif kind == rules.THRESHOLD:
        parts.append(criterion)
    if kind != rules.PROVINCE:
        if minimum is not None:
            parts.append(
                _("overall %(score)s ≥ %(minimum)s")
                % {"score": score(entrant.overall), "minimum": _number(minimum)}
            )
        else:
            parts.append(_("overall %(score)s") % {"score": score(entrant.overall)})
    if placed.place is not None:
        parts.append(place_label(placed.place, ranked))
    if tie == "overall" and kind not in (rules.TOP_OVERALL, rules.PROVINCE):
        parts.append(_("equal score: ordered by the overall score"))
    elif tie and entrant.tiebreak is not None and tiebreak_name:
        parts.append(
            _("tie-break: %(dimension)s %(score)s")
            % {"dimension": tiebreak_name, "score": score(entrant.tiebreak)}
        )
    if placed.standing == rules.TIED:
        parts.append(_("tied at the cut-off: the committee decides"))
    return "; ".join(str(part) for part in parts)


def exclusion_detail(
    excluded: rules.Excluded, *, year: int, previous_year: int | None, labels: dict
) -> str:
    """`labels` names the values of each eligibility attribute: {"level": {"department": …}}."""
    reason = excluded.reason
    if reason == rules.NOT_ELIGIBLE:
        names = labels.get(excluded.attribute, {})
        return _("%(value)s; the category is for %(required)s") % {
            "value": names.get(excluded.value, excluded.value) or _("none"),
            "required": names.get(excluded.required, excluded.required),
        }
    if reason == rules.NOT_SCORED:
        if excluded.attribute == "focus":
            return _("asked none of the questions this award scores on")
        return _("no score in %(year)s") % {"year": year_label(year)}
    if reason == rules.SCORE_PROBLEMS:
        return _("its score has answers that cannot be scored")
    if reason == rules.NO_PREVIOUS:
        if previous_year:
            return _("no score in %(year)s") % {"year": year_label(previous_year)}
        return _("no earlier year has been scored")
    if reason == rules.BELOW_MINIMUM:
        return _("overall %(score)s < %(minimum)s") % {
            "score": score(excluded.value),
            "minimum": _number(excluded.required),
        }
    return _("does not meet the criterion")


def _number(value: Decimal) -> str:
    """80.00 → "80", 80 → "80", 79.5 → "79.50"."""
    return f"{value.to_integral():f}" if value == value.to_integral() else score(value)
