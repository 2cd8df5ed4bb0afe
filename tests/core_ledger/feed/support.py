"""Records as the core system sends them, for the feed's tests."""

from datetime import date, timedelta
from typing import Any

from core_ledger.identity import make_resident_id
from kernel.clock import utcnow

ID_1 = make_resident_id(area="430902", birth=date(1970, 4, 2), sequence=31)  # male
ID_2 = make_resident_id(area="430902", birth=date(1985, 8, 9), sequence=42)  # female


def record(no: str = "WD-1", **change: Any) -> dict[str, Any]:
    """A valid withdrawal record of yesterday at WD01 by T01 (the ledger tests' centre)."""
    return {
        "business_no": no,
        "kind": "withdrawal",
        "ground": "retirement",
        "occurred_at": (utcnow() - timedelta(days=1)).replace(microsecond=0).isoformat(),
        "outlet_code": "WD01",
        "teller_code": "T01",
        "name": "张建国",
        "id_number": ID_1,
        "phone": "13655550001",
        "project_code": "",
        **change,
    }
