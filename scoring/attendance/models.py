"""One staff member's attendance in one month, as the centre's monthly import gave it."""

from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from kernel.clock import utcnow
from kernel.columns import utc_timestamp


class AttendanceRecord(SQLModel, table=True):
    """集中考勤: days due, days present, leave, absence and lateness of one person in a month."""

    __tablename__ = "attendance_record"
    __table_args__ = (
        UniqueConstraint("staff_id", "period"),
        CheckConstraint(
            "required_days > 0 AND present_days >= 0 AND leave_days >= 0 AND absent_days >= 0"
            " AND late_times >= 0 AND present_days + leave_days + absent_days <= required_days",
            name="ck_attendance_record_days",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    # Where they worked that month (staff move between outlets; the month stays where it was).
    outlet_id: int | None = Field(default=None, foreign_key="outlet.id", index=True)
    period: str = Field(max_length=7, index=True)  # YYYY-MM
    required_days: float  # 应出勤天数
    present_days: float  # 实际出勤天数
    leave_days: float = 0  # 请假天数
    absent_days: float = 0  # 旷工天数
    late_times: int = 0  # 迟到早退次数
    source: str = Field(max_length=200)  # the workbook's file name
    imported_by: str = Field(max_length=64)
    imported_at: datetime = utc_timestamp(default_factory=utcnow)

    @property
    def score(self) -> float:
        """出勤得分: days present as a share of the days due, on 0..100."""
        return 100.0 * self.present_days / self.required_days
