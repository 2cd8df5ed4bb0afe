"""Demo data: a small centre with outlets, tellers, depositors and a month of business."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from core_ledger import service as ledger
from core_ledger.contribution import monthly_contribution
from core_ledger.identity import make_resident_id
from kernel.clock import CENTRE_TZ, utcnow

OUTLETS = [
    ("WD01", "市民中心网点"),
    ("WD02", "城东网点"),
    ("WD03", "城西网点"),
    ("WD04", "高新区网点"),
    ("WD05", "开发区网点"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红"
PROJECTS = [("碧桂园·江南府", "周经理"), ("保利·和光尘樾", "吴经理"), ("万科·城市之光", "郑经理")]
# How each outlet tends to serve: the chance a depositor is very satisfied / satisfied.
QUALITY = {
    "WD01": (0.75, 0.2),
    "WD02": (0.6, 0.3),
    "WD03": (0.45, 0.35),
    "WD04": (0.65, 0.3),
    "WD05": (0.35, 0.4),
}


@dataclass
class Seeded:
    outlets: int = 0
    tellers: int = 0
    depositors: int = 0
    withdrawals: int = 0
    loans: int = 0
    people: dict[str, str] = field(default_factory=dict)  # phone -> outlet code


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        number = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        if number not in used:
            used.add(number)
            return number


def business_month(today: date) -> tuple[date, date]:
    """The month the demo fills: this one, or the last one early in a month."""
    start = today.replace(day=1)
    if today.day < 5:
        start = (start - timedelta(days=1)).replace(day=1)
        end = today.replace(day=1) - timedelta(days=1)
        return start, end
    return start, today


def _moment(rng: random.Random, start: date, end: date) -> datetime:
    day = start + timedelta(days=rng.randrange((end - start).days + 1))
    local = datetime(
        day.year,
        day.month,
        day.day,
        rng.choice((9, 10, 11, 14, 15, 16)),
        rng.randrange(60),
        tzinfo=CENTRE_TZ,
    )
    return min(local, utcnow() - timedelta(minutes=5))


def seed(session: Session, *, depositors: int, rng: random.Random) -> Seeded:
    """Register the centre and post a month of remittances, withdrawals and loans."""
    done = Seeded()
    phones: set[str] = set()
    tellers: dict[str, list[str]] = {}
    for code, name in OUTLETS:
        ledger.create_outlet(session, code=code, name=name)
        tellers[code] = []
        for index in range(rng.randint(6, 8)):
            teller_code = f"{code}-{index + 1:02d}"
            ledger.create_staff(
                session,
                code=teller_code,
                name=_name(rng),
                outlet_code=code,
                phone=_phone(rng, phones),
            )
            tellers[code].append(teller_code)
        done.outlets += 1
    done.tellers = sum(len(v) for v in tellers.values())
    start, end = business_month(utcnow().astimezone(CENTRE_TZ).date())
    for index in range(depositors):
        phone = _phone(rng, phones)
        birth = date(1960 + rng.randrange(40), rng.randint(1, 12), rng.randint(1, 28))
        id_number = make_resident_id(area="430902", birth=birth, sequence=index % 999 + 1)
        account = ledger.open_depositor(session, id_number=id_number, name=_name(rng), phone=phone)
        share = monthly_contribution(
            wage_base_fen=rng.randrange(400_000, 1_500_000),
            unit_rate=Decimal("0.12"),
            employee_rate=Decimal("0.12"),
            base_cap_fen=2_250_000,
        )
        ledger.credit_account(
            session,
            account_no=account.account_no,
            amount_fen=share.total_fen * 24,
            month=f"{start:%Y-%m}",
            idempotency_key=f"demo-remit-{index}",
            occurred_at=datetime.combine(start, datetime.min.time(), CENTRE_TZ) - timedelta(days=1),
        )
        done.depositors += 1
        outlet = rng.choice(OUTLETS)[0]
        teller = rng.choice(tellers[outlet])
        roll = rng.random()
        if roll < 0.7:
            ledger.post_withdrawal(
                session,
                account_no=account.account_no,
                amount_fen=rng.randrange(100_000, max(100_001, account.balance_fen // 2)),
                outlet_code=outlet,
                teller_code=teller,
                idempotency_key=f"demo-wd-{index}",
                reason=rng.choice(["purchase", "rent", "loan_repayment", "retirement"]),
                occurred_at=_moment(rng, start, end),
            )
            done.withdrawals += 1
            done.people[f"+86{phone}"] = outlet
        elif roll < 0.85:
            project, manager = rng.choice(PROJECTS)
            contact = _phone(rng, phones)
            ledger.post_loan(
                session,
                account_no=account.account_no,
                amount_fen=rng.randrange(20, 80) * 1_000_000,
                term_months=rng.choice((120, 240, 360)),
                outlet_code=outlet,
                teller_code=teller,
                idempotency_key=f"demo-loan-{index}",
                project_contact_name=f"{project}{manager}",
                project_contact_phone=contact,
                occurred_at=_moment(rng, start, end),
            )
            done.loans += 1
            done.people[f"+86{phone}"] = outlet
            done.people[f"+86{contact}"] = outlet
    return done


def sms_replies(attitude: str, efficiency: str, rng: random.Random) -> list[str]:
    """How a person texts back, one text per message they receive: as people really write."""
    digits = f"{attitude}{efficiency}22"
    return rng.choice(
        [
            [digits],
            [f"{' '.join(digits)} 服务很好"],
            [digits.translate(str.maketrans("0123456789", "０１２３４５６７８９"))],
            [digits[:2], digits[2:]],  # half an answer, then the rest after the follow-up
            ["好的", digits],  # unreadable, then the format after the clarification
            ["TD"],
        ]
    )


def script_for(outlet: str, rng: random.Random) -> dict[str, object] | None:
    """How a seeded person answers: scripted by the outlet's quality, or left to the mix."""
    if rng.random() < 0.35:
        return None  # the emulator's random mix decides: busy, no answer, machines, wrong keys
    very, satisfied = QUALITY[outlet]

    def tier() -> str:
        roll = rng.random()
        return "1" if roll < very else "2" if roll < very + satisfied else "3"

    if rng.random() < 0.08:
        return {"answer": rng.choice(["no-answer", "busy"])}
    if rng.random() < 0.15:  # never picks up, answers the SMS survey that follows instead
        return {"answer": "no-answer", "sms_replies": sms_replies(tier(), tier(), rng)}
    repeat = "1" if rng.random() < 0.08 else "2"
    favour = "1" if rng.random() < 0.01 else "2"
    return {"answer": "human", "inputs": [tier(), tier(), repeat, favour]}
