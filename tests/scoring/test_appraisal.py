"""绩效考核 composite: weighted parts, shown with their contributions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.errors import Invalid
from scoring.appraisal import composite, rectification_on_time_score
from scoring.config import ScoringSettings

WEIGHTS = {"callback": 0.5, "inspection": 0.3, "rectification": 0.2}


def test_composite_with_every_part_present() -> None:
    # 0.5×90 + 0.3×80 + 0.2×100 = 45 + 24 + 20 = 89
    result = composite(
        parts={"callback": 90.0, "inspection": 80.0, "rectification": 100.0}, weights=WEIGHTS
    )
    assert result.value == pytest.approx(89.0)
    assert [(p.name, p.contribution) for p in result.parts] == [
        ("callback", pytest.approx(45.0)),
        ("inspection", pytest.approx(24.0)),
        ("rectification", pytest.approx(20.0)),
    ]
    assert result.missing == ()
    assert result.renormalized is False
    assert result.note is None


def test_a_quarter_without_inspection_renormalizes_the_rest() -> None:
    # Weights 0.5 and 0.2 scale to 0.5/0.7 = 5/7 and 0.2/0.7 = 2/7.
    # 5/7×90 + 2/7×100 = (450 + 200) / 7 = 650/7 = 92.857…
    result = composite(
        parts={"callback": 90.0, "inspection": None, "rectification": 100.0}, weights=WEIGHTS
    )
    assert result.value == pytest.approx(650 / 7)
    assert result.missing == ("inspection",)
    assert result.renormalized is True
    assert result.note == "未计入：第三方监督检查；其余各项权重已按比例放大，合计仍为 100%"
    by_name = {p.name: p for p in result.parts}
    assert by_name["callback"].weight == 0.5
    assert by_name["callback"].effective_weight == pytest.approx(5 / 7)
    assert by_name["inspection"].contribution is None
    assert by_name["inspection"].effective_weight == 0.0


def test_a_part_left_out_says_why_in_chinese() -> None:
    result = composite(
        parts={"callback": None, "inspection": 80.0, "rectification": 100.0},
        weights=WEIGHTS,
        reasons={"callback": "回访仅 12 人次，少于 20 人次，不计入"},
    )
    # 0.3 and 0.2 scale to 0.6 and 0.4: 0.6×80 + 0.4×100 = 88.
    assert result.value == pytest.approx(88.0)
    assert result.part("callback").reason == "回访仅 12 人次，少于 20 人次，不计入"
    assert result.part("inspection").reason is None
    assert result.note == (
        "未计入：12329 回访满意度（回访仅 12 人次，少于 20 人次，不计入）；"
        "其余各项权重已按比例放大，合计仍为 100%"
    )


def test_contributions_add_up_to_the_composite() -> None:
    result = composite(
        parts={"callback": 77.0, "inspection": None, "rectification": 50.0}, weights=WEIGHTS
    )
    assert sum(p.contribution or 0 for p in result.parts) == pytest.approx(result.value)


def test_nothing_scored_gives_no_composite() -> None:
    result = composite(
        parts={"callback": None, "inspection": None, "rectification": None}, weights=WEIGHTS
    )
    assert result.value is None
    assert result.missing == ("callback", "inspection", "rectification")
    assert result.renormalized is False
    assert "不计算综合分" in (result.note or "")


def test_weights_that_do_not_sum_to_one_are_refused() -> None:
    with pytest.raises(Invalid, match=r"sum to 1.*callback=0\.6"):
        composite(
            parts={"callback": 90.0, "inspection": 80.0, "rectification": 100.0},
            weights={"callback": 0.6, "inspection": 0.3, "rectification": 0.2},
        )


def test_negative_weight_is_refused() -> None:
    with pytest.raises(Invalid, match="inspection"):
        composite(
            parts={"callback": 90.0, "inspection": 80.0},
            weights={"callback": 1.2, "inspection": -0.2},
        )


def test_parts_and_weights_must_name_the_same_parts() -> None:
    with pytest.raises(Invalid, match="same parts"):
        composite(parts={"callback": 90.0, "inspecton": 80.0}, weights=WEIGHTS)


@pytest.mark.parametrize("score", [-1.0, 100.5, float("nan")])
def test_part_scores_must_be_on_0_to_100(score: float) -> None:
    with pytest.raises(Invalid, match="callback"):
        composite(
            parts={"callback": score, "inspection": 80.0, "rectification": 100.0},
            weights=WEIGHTS,
        )


def test_settings_weights_plug_straight_in() -> None:
    weights = ScoringSettings().appraisal_weights
    parts = {"callback": 90.0, "inspection": 80.0, "rectification": 100.0, "attendance": None}
    result = composite(parts=parts, weights=weights)
    assert result.value == pytest.approx(89.0)
    # Attendance is unweighted by default: shown, never "missing", nothing scaled up for it.
    assert result.missing == () and result.note is None


def test_weighted_attendance_counts_and_scales_up_when_missing() -> None:
    weights = {"callback": 0.4, "inspection": 0.3, "rectification": 0.2, "attendance": 0.1}
    parts = {"callback": 90.0, "inspection": 80.0, "rectification": 100.0, "attendance": 95.0}
    assert composite(parts=parts, weights=weights).value == pytest.approx(89.5)
    result = composite(parts=parts | {"attendance": None}, weights=weights)
    assert result.missing == ("attendance",) and result.value == pytest.approx(80.0 / 0.9)


def test_rectification_score_is_share_closed_on_time() -> None:
    # 7 of 8 issue letters answered on time: 100 × 7/8 = 87.5
    assert rectification_on_time_score(closed_on_time=7, total=8) == 87.5


def test_rectification_score_without_issue_letters_is_missing() -> None:
    assert rectification_on_time_score(closed_on_time=0, total=0) is None


@pytest.mark.parametrize(("closed", "total"), [(9, 8), (-1, 8), (0, -1)])
def test_rectification_score_refuses_impossible_counts(closed: int, total: int) -> None:
    with pytest.raises(Invalid):
        rectification_on_time_score(closed_on_time=closed, total=total)


part_st = st.one_of(st.none(), st.floats(0, 100))


@given(callback=part_st, inspection=part_st, rectification=part_st)
def test_composite_lies_between_the_present_parts(
    callback: float | None, inspection: float | None, rectification: float | None
) -> None:
    parts = {"callback": callback, "inspection": inspection, "rectification": rectification}
    result = composite(parts=parts, weights=WEIGHTS)
    present = [v for v in parts.values() if v is not None]
    if not present:
        assert result.value is None
        return
    assert result.value is not None
    assert min(present) - 1e-9 <= result.value <= max(present) + 1e-9
    assert sum(p.effective_weight for p in result.parts) == pytest.approx(1.0)
