"""Scoring settings: tier points, small-sample handling, intervals, appraisal, alerts."""

from enum import StrEnum
from functools import lru_cache
from typing import Self

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

WEIGHT_SUM_TOLERANCE = 1e-9


class AlertRule(StrEnum):
    """When a month counts toward a 约谈 alert (HUIFANG_ALERT_RULE)."""

    last_and_below = "last_and_below"  # 排名末位，且区间上限低于全中心平均
    below = "below"  # 区间上限低于全中心平均，不论名次
    last = "last"  # 排名末位（旧规则：网点少时总有人垫底）


class ScoringSettings(BaseSettings):
    """How ratings become scores and rankings; every value is overridable by HUIFANG_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix="HUIFANG_", extra="ignore", frozen=True, populate_by_name=True
    )

    POINTS_VERY_SATISFIED: float = Field(default=100.0, ge=0, le=100)
    POINTS_SATISFIED: float = Field(default=80.0, ge=0, le=100)
    POINTS_UNSATISFIED: float = Field(default=0.0, ge=0, le=100)
    # People (人次), not answers; HUIFANG_MIN_ANSWERS is the old name, still read.
    MIN_PEOPLE: int = Field(
        default=20,
        ge=1,
        validation_alias=AliasChoices("HUIFANG_MIN_PEOPLE", "HUIFANG_MIN_ANSWERS"),
    )
    SHRINK_SMALL_SAMPLES: bool = True
    SHRINK_STRENGTH: float = Field(default=10.0, ge=0)
    INTERVAL_LEVEL: float = Field(default=0.95, gt=0, lt=1)
    APPRAISAL_WEIGHT_CALLBACK: float = Field(default=0.5, ge=0, le=1)
    APPRAISAL_WEIGHT_INSPECTION: float = Field(default=0.3, ge=0, le=1)
    APPRAISAL_WEIGHT_RECTIFICATION: float = Field(default=0.2, ge=0, le=1)
    # 集中考勤: shown beside the other parts always; counted only when given a weight (the seed
    # names centralised attendance but not its weight).
    APPRAISAL_WEIGHT_ATTENDANCE: float = Field(default=0.0, ge=0, le=1)
    # Below this many people the callback part is left out of the appraisal, not guessed.
    APPRAISAL_MIN_PEOPLE: int = Field(default=20, ge=1)
    # 约谈: the rule must hold this many months running, the last one being the month checked.
    ALERT_MONTHS: int = Field(default=2, ge=1, le=12)
    ALERT_RULE: AlertRule = AlertRule.last_and_below
    # Days an outlet has, from the issue letter's date, for each step of the workflow.
    LETTER_RECEIPT_DAYS: int = Field(default=3, ge=0, le=90)
    RECTIFICATION_REPORT_DAYS: int = Field(default=15, ge=1, le=180)
    PERSONAL_STATEMENT_DAYS: int = Field(default=15, ge=1, le=180)
    INSPECTION_PHOTO_MAX_BYTES: int = Field(default=10_000_000, ge=1)
    # Working days (Chinese calendar) an outlet has, after the day a rating was recorded, to
    # appeal it (申诉).
    APPEAL_DAYS: int = Field(default=5, ge=1, le=60)
    # Project contacts (签约楼盘负责人) rate outlets in their own report; true adds their ratings
    # to the outlet and teller callback rankings as well.
    RANK_INCLUDE_PROJECT_CONTACTS: bool = False

    @model_validator(mode="after")
    def _points_are_ordered(self) -> Self:
        if not self.POINTS_VERY_SATISFIED >= self.POINTS_SATISFIED >= self.POINTS_UNSATISFIED:
            raise ValueError(
                "tier points must satisfy HUIFANG_POINTS_VERY_SATISFIED "
                f"({self.POINTS_VERY_SATISFIED}) >= HUIFANG_POINTS_SATISFIED "
                f"({self.POINTS_SATISFIED}) >= HUIFANG_POINTS_UNSATISFIED "
                f"({self.POINTS_UNSATISFIED})"
            )
        return self

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> Self:
        total = sum(self.appraisal_weights.values())
        if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
            raise ValueError(
                "appraisal weights must sum to 1: HUIFANG_APPRAISAL_WEIGHT_CALLBACK "
                f"({self.APPRAISAL_WEIGHT_CALLBACK:g}) + HUIFANG_APPRAISAL_WEIGHT_INSPECTION "
                f"({self.APPRAISAL_WEIGHT_INSPECTION:g}) + HUIFANG_APPRAISAL_WEIGHT_RECTIFICATION "
                f"({self.APPRAISAL_WEIGHT_RECTIFICATION:g}) + HUIFANG_APPRAISAL_WEIGHT_ATTENDANCE "
                f"({self.APPRAISAL_WEIGHT_ATTENDANCE:g}) = {total:.12g}"
            )
        return self

    @property
    def appraisal_weights(self) -> dict[str, float]:
        """Appraisal weights keyed by part name, as scoring.appraisal.composite expects."""
        return {
            "callback": self.APPRAISAL_WEIGHT_CALLBACK,
            "inspection": self.APPRAISAL_WEIGHT_INSPECTION,
            "rectification": self.APPRAISAL_WEIGHT_RECTIFICATION,
            "attendance": self.APPRAISAL_WEIGHT_ATTENDANCE,
        }


@lru_cache
def get_scoring_settings() -> ScoringSettings:
    """The process-wide scoring settings; tests call get_scoring_settings.cache_clear()."""
    return ScoringSettings()
