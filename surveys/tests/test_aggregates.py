"""Aggregates and ranks on hand-built scores (no database)."""

from decimal import Decimal

from surveys.aggregates import AgencyScore, aggregates_compute, competition_ranks, mean

D = Decimal


def department(pk, overall, *, ministry="MOI", group="service", dims=(0, 0)):
    return AgencyScore(
        response_id=pk, agency_code=f"D{pk}", level="department", overall=D(overall),
        dimensions={1: D(dims[0]), 2: D(dims[1])}, award_group=group, ministry=ministry,
    )  # fmt: skip


def unit(pk, overall, *, province, unit_type, dims=(0, 0)):
    return AgencyScore(
        response_id=pk, agency_code=f"U{pk}", level="provincial_unit", overall=D(overall),
        dimensions={1: D(dims[0]), 2: D(dims[1])}, province=province, unit_type=unit_type,
    )  # fmt: skip


def groups_by_key(groups):
    return {(group.scope, group.key): group for group in groups}


def test_ranks_are_shared_on_equal_scores_and_the_next_place_skipped():
    ranks = competition_ranks(["a", "b", "c", "d"], {"a": 90, "b": 80, "c": 90, "d": 70}.get)
    assert ranks == {"a": 1, "c": 1, "b": 3, "d": 4}


def test_mean_is_exact():
    assert mean([D(1), D(2), D(2)]) == D("1.666666666666666666666666667")


def test_every_group_has_its_means_and_members_ranked():
    scores = [
        department(1, 80, ministry="MOI", group="service", dims=(90, 70)),
        department(2, 60, ministry="MOI", group="policy", dims=(50, 70)),
        department(3, 70, ministry="MOF", group="service", dims=(60, 80)),
        unit(4, 50, province="CMI", unit_type="TREASURY", dims=(40, 60)),
        unit(5, 30, province="CMI", unit_type="LAND", dims=(20, 40)),
        unit(6, 45, province="PKT", unit_type="TREASURY", dims=(50, 40)),
    ]
    groups = groups_by_key(aggregates_compute(scores, dimension_ids=[1, 2]))

    nation = groups[("national", "all")]
    assert nation.overall_mean == D("55.83333333333333333333333333")  # 335 ÷ 6
    assert nation.member_ranks == {1: 1, 3: 2, 2: 3, 4: 4, 6: 5, 5: 6}
    # Dimension means ranked high to low: (90+50+60+40+20+50)/6 = 51.67 < (70+70+80+60+40+40)/6
    assert nation.dimension_ranks == {2: 1, 1: 2}

    assert groups[("level", "department")].overall_mean == D(70)
    assert groups[("level", "provincial_unit")].overall_mean == D("41.66666666666666666666666667")
    assert groups[("ministry", "MOI")].overall_mean == D(70)
    assert groups[("ministry", "MOI")].member_ranks == {1: 1, 2: 2}
    assert groups[("award_group", "service")].overall_mean == D(75)
    # The province score is the mean over its provincial units; provinces are ranked.
    assert groups[("province", "CMI")].overall_mean == D(40)
    assert groups[("province", "PKT")].overall_mean == D(45)
    assert (groups[("province", "PKT")].rank, groups[("province", "CMI")].rank) == (1, 2)
    assert groups[("unit_type", "TREASURY")].overall_mean == D("47.5")
    assert groups[("unit_type", "TREASURY")].member_ranks == {4: 1, 6: 2}
    # Departments are in no province group, provincial units in no ministry group.
    assert ("province", "") not in groups
    assert sorted(key for scope, key in groups if scope == "ministry") == ["MOF", "MOI"]


def test_a_group_change_is_against_the_same_group_last_year():
    groups = groups_by_key(
        aggregates_compute(
            [department(1, "84.10"), department(2, 60)],
            dimension_ids=[1, 2],
            previous_means={("national", "all"): D(65)},
        )
    )
    assert groups[("national", "all")].previous_mean == D(65)
    assert groups[("level", "department")].previous_mean is None


def test_no_scores_give_no_groups():
    assert aggregates_compute([], dimension_ids=[1, 2]) == []
