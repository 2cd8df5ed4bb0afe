"""Demo data: a small centre run through the real ledger flows.

Units register and remit every month for their employees (one self-service, reviewed and
confirmed by the bank; one in arrears), depositors withdraw on legal grounds and are paid by
online banking, borrowers take loans on contracted projects, and older loans repay by offset
(对冲还贷) from the fund account.
"""

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from core_ledger.accounts import service as accounts
from core_ledger.config import get_ledger_settings
from core_ledger.feed.service import accept_records
from core_ledger.identity import make_credit_code, make_resident_id
from core_ledger.interest.service import last_settlement_day, settle_interest
from core_ledger.loans import service as loans
from core_ledger.loans.eligibility import loan_limits
from core_ledger.loans.models import Project
from core_ledger.org import service as org
from core_ledger.remittance import service as remittances
from core_ledger.withdrawals import service as withdrawals
from core_ledger.withdrawals.models import REQUIRED_DOCUMENTS, PaymentInstruction, WithdrawalGround
from core_ledger.withdrawals.schemas import DocumentIn
from kernel.auth import create_user
from kernel.clock import centre_tz, utcnow
from kernel.periods import months_between, shift

OUTLETS = [
    ("WD01", "市民中心网点"),
    ("WD02", "城东网点"),
    ("WD03", "城西网点"),
    ("WD04", "高新区网点"),
    ("WD05", "开发区网点"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红"
PROJECTS = [
    ("LP01", "碧桂园·江南府", "碧桂园地产", "周经理"),
    ("LP02", "保利·和光尘樾", "保利发展", "吴经理"),
    ("LP03", "万科·城市之光", "万科企业", "郑经理"),
]
UNIT_NAMES = ["市第一人民医院", "城投集团", "高新科技股份", "市实验中学", "长江物流", "华信软件"]
RATES = [Decimal("0.12"), Decimal("0.10"), Decimal("0.08"), Decimal("0.05")]
HISTORY_MONTHS = 6  # months of remittances before the first day of business
# Months of withdrawals and loans, ending with the business month: the dashboard's trends need
# a few; the business month itself gets the most.
BUSINESS_MONTHS = 4
# How each outlet tends to serve: the chance a depositor is very satisfied / satisfied.
QUALITY = {
    "WD01": (0.75, 0.2),
    "WD02": (0.6, 0.3),
    "WD03": (0.45, 0.35),
    "WD04": (0.65, 0.3),
    "WD05": (0.35, 0.4),
}


FED_RECORDS = 12  # withdrawals the core system posted, fed like a file
FED_WITHIN_DAYS = 25  # inside HUIFANG_FEED_MAX_AGE_DAYS (30)


@dataclass
class Seeded:
    outlets: int = 0
    tellers: int = 0
    depositors: int = 0
    withdrawals: int = 0
    loans: int = 0
    units: int = 0
    remittances: int = 0
    offset_fen: int = 0
    fed: int = 0  # withdrawals fed from the core system (core_ledger.feed)
    people: dict[str, str] = field(default_factory=dict)  # phone -> outlet code


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        # 13x and 18x are allocated throughout; other second digits have unallocated blocks.
        number = f"1{rng.choice('38')}{rng.randrange(10**9):09d}"
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


def business_since(start: date, today: date) -> date:
    """The first day of business the demo posts: BUSINESS_MONTHS back, never into a settled year."""
    first = date.fromisoformat(shift(f"{start:%Y-%m}", 1 - BUSINESS_MONTHS) + "-01")
    settled = last_settlement_day(today)
    return max(first, settled + timedelta(days=1)) if settled < start else first


def _moment(rng: random.Random, start: date, end: date) -> datetime:
    day = start + timedelta(days=rng.randrange((end - start).days + 1))
    local = datetime(
        day.year,
        day.month,
        day.day,
        rng.choice((9, 10, 11, 14, 15, 16)),
        rng.randrange(60),
        tzinfo=centre_tz(),
    )
    return min(local, utcnow() - timedelta(minutes=5))


def _on(month: str, day: int, hour: int = 10) -> datetime:
    return datetime.combine(date(int(month[:4]), int(month[5:]), day), time(hour), centre_tz())


def _centre(
    session: Session, rng: random.Random, phones: set[str], done: Seeded
) -> dict[str, list[str]]:
    tellers: dict[str, list[str]] = {}
    for code, name in OUTLETS:
        org.create_outlet(session, code=code, name=name)
        tellers[code] = []
        for index in range(rng.randint(6, 8)):
            teller_code = f"{code}-{index + 1:02d}"
            org.create_staff(
                session,
                code=teller_code,
                name=_name(rng),
                outlet_code=code,
                phone=_phone(rng, phones),
            )
            tellers[code].append(teller_code)
        done.outlets += 1
    done.tellers = sum(len(v) for v in tellers.values())
    for code, name, developer, manager in PROJECTS:
        loans.create_project(
            session,
            code=code,
            name=name,
            developer=developer,
            contact_name=f"{name}{manager}",
            contact_phone=_phone(rng, phones),
        )
    return tellers


def _units(
    session: Session, rng: random.Random, *, depositors: int, first_month: str, phones: set[str]
) -> list[str]:
    codes = []
    for index in range(max(2, min(len(UNIT_NAMES), depositors // 50))):
        rate = rng.choice(RATES)
        unit = accounts.register_unit(
            session,
            credit_code=make_credit_code(area="430902", serial=10_000 + index),
            name=UNIT_NAMES[index],
            contact_name=_name(rng),
            contact_phone=_phone(rng, phones),
            bank_name="中国建设银行",
            bank_account_no=f"4300{rng.randrange(10**14):014d}",
            unit_rate=rate,
            employee_rate=rate,
            first_month=first_month,
        )
        codes.append(unit.code)
    return codes


def _remit_history(
    session: Session,
    rng: random.Random,
    *,
    units: list[str],
    months: list[str],
    tellers: dict[str, list[str]],
) -> int:
    """Every unit remits every month; the last unit is a month behind (欠缴); the first
    submits its last month online, reviewed and confirmed by the bank."""
    count = 0
    reviewer = create_user(
        session, username="demo-teller", role="teller", password=secrets.token_urlsafe(12)
    )
    for unit_index, unit_code in enumerate(units):
        owed = months[:-1] if unit_index == len(units) - 1 else months
        for month in owed:
            when = _on(month, rng.randint(10, 20))
            if unit_index == 0 and month == months[-1]:
                _self_service(
                    session, unit_code=unit_code, month=month, reviewer=reviewer.id or 0, when=when
                )
            else:
                outlet = rng.choice(OUTLETS)[0]
                remittances.remit_at_counter(
                    session,
                    unit_code=unit_code,
                    month=month,
                    idempotency_key=f"demo-remit-{unit_code}-{month}",
                    outlet_code=outlet,
                    teller_code=rng.choice(tellers[outlet]),
                    occurred_at=when,
                )
            count += 1
    return count


def _self_service(
    session: Session, *, unit_code: str, month: str, reviewer: int, when: datetime
) -> None:
    unit = accounts.get_unit(session, code=unit_code)
    admin = create_user(
        session,
        username=f"admin-{unit_code}",
        role="unit_admin",
        password=secrets.token_urlsafe(12),
    )
    accounts.link_administrator(session, unit_code=unit_code, username=admin.username)
    submitted = remittances.submit(
        session,
        unit=unit,
        month=month,
        idempotency_key=f"demo-online-{unit_code}-{month}",
        user_id=admin.id or 0,
    )
    remittances.review(
        session, remittance_id=submitted.id or 0, approve=True, reason="", user_id=reviewer
    )
    remittances.confirm_transfer(
        session,
        remittance_id=submitted.id or 0,
        bank_ref=f"CCB{when:%Y%m%d}{submitted.id:06d}",
        amount_fen=submitted.total_fen,
        occurred_at=when + timedelta(days=1),
    )


def seed(session: Session, *, depositors: int, rng: random.Random) -> Seeded:
    """Register the centre, remit half a year, then a few months of withdrawals and loans."""
    done = Seeded()
    phones: set[str] = set()
    tellers = _centre(session, rng, phones, done)
    today = utcnow().astimezone(centre_tz()).date()
    start, end = business_month(today)
    since = business_since(start, today)
    # Half a year paid before the first day of business, so a loan on any day of it finds the
    # six months in a row a borrower needs.
    months = months_between(shift(f"{since:%Y-%m}", -HISTORY_MONTHS), shift(f"{start:%Y-%m}", -1))
    units = _units(session, rng, depositors=depositors, first_month=months[0], phones=phones)
    done.units = len(units)
    account_phones: dict[str, str] = {}
    for index in range(depositors):
        phone = _phone(rng, phones)
        birth = date(1960 + rng.randrange(40), rng.randint(1, 12), rng.randint(1, 28))
        account = accounts.open_depositor(
            session,
            id_number=make_resident_id(area="430902", birth=birth, sequence=index % 999 + 1),
            name=_name(rng),
            phone=phone,
            unit_code=units[index % len(units)],
            wage_base_fen=rng.randrange(300_000, 3_000_000, 100),
            opened_at=_on(months[0], 1, 9),
        )
        account_phones[account.account_no] = phone
        done.depositors += 1
    done.remittances = _remit_history(session, rng, units=units, months=months, tellers=tellers)
    if last_settlement_day(today) < start:  # early in July the business month is settled June
        settle_interest(session)
    for account_no, phone in account_phones.items():
        outlet = rng.choice(OUTLETS)[0]
        teller = rng.choice(tellers[outlet])
        first = start if rng.random() < 0.4 else since
        roll = rng.random()
        if roll < 0.7 and _withdraw(
            session, rng, account_no=account_no, outlet=outlet, teller=teller, start=first, end=end
        ):
            done.withdrawals += 1
            done.people[f"+86{phone}"] = outlet
        elif 0.7 <= roll < 0.85:
            contact = _borrow(
                session,
                rng,
                account_no=account_no,
                outlet=outlet,
                teller=teller,
                when=_moment(rng, first, end),
                since=since,
            )
            if contact is not None:
                done.loans += 1
                done.people[f"+86{phone}"] = outlet
                done.people[contact] = outlet
    done.offset_fen = loans.repay_due(session).offset_fen
    # Its own random stream, so the business above and the answers after stay as they were.
    fed = _feed_core_system(
        session, random.Random(depositors), tellers=tellers, phones=phones, start=start, end=end
    )
    done.fed = len(fed)
    done.people.update(fed)
    return done


def _feed_core_system(
    session: Session,
    rng: random.Random,
    *,
    tellers: dict[str, list[str]],
    phones: set[str],
    start: date,
    end: date,
) -> dict[str, str]:
    """A few withdrawals the centre's own core system posted (核心业务系统), fed as a file is:
    the demo runs on both. Only days the feed still takes (HUIFANG_FEED_MAX_AGE_DAYS)."""
    first = max(start, utcnow().astimezone(centre_tz()).date() - timedelta(days=FED_WITHIN_DAYS))
    if first > end:
        return {}
    rows, people = [], {}
    for n in range(FED_RECORDS):
        outlet = rng.choice(OUTLETS)[0]
        phone = _phone(rng, phones)
        birth = date(1960 + rng.randrange(40), rng.randint(1, 12), rng.randint(1, 28))
        record = {
            "business_no": f"HX{start:%Y%m}{n:05d}",
            "kind": "withdrawal",
            "ground": rng.choice(["purchase", "rent", "loan_repayment"]),
            "occurred_at": _moment(rng, first, end),
            "outlet_code": outlet,
            "teller_code": rng.choice(tellers[outlet]),
            "name": _name(rng),
            "id_number": make_resident_id(area="430903", birth=birth, sequence=n % 999 + 1),
            "phone": phone,
        }
        rows.append((n + 2, record))
        people[f"+86{phone}"] = outlet
    accept_records(session, source="core", rows=rows, channel="file", received_by="demo")
    return people


def _withdraw(
    session: Session,
    rng: random.Random,
    *,
    account_no: str,
    outlet: str,
    teller: str,
    start: date,
    end: date,
) -> bool:
    balance = accounts.get_account(session, account_no=account_no).balance_fen
    closing = rng.random() < 0.04
    if not closing and balance < 200_000:
        return False
    ground = (
        WithdrawalGround.retirement
        if closing
        else WithdrawalGround(rng.choice(["purchase", "rent", "loan_repayment", "repair"]))
    )
    documents = [
        DocumentIn(kind=kind.value, number=f"{kind.value[:4].upper()}{rng.randrange(10**6):06d}")
        for kind in REQUIRED_DOCUMENTS[ground]
    ]
    done = withdrawals.post_withdrawal(
        session,
        account_no=account_no,
        amount_fen=None if closing else rng.randrange(100_000, balance // 2 + 1),
        outlet_code=outlet,
        teller_code=teller,
        idempotency_key=f"demo-wd-{account_no}",
        reason=ground.value,
        payee_account_no=f"6217{rng.randrange(10**15):015d}",
        occurred_at=_moment(rng, start, end),
        documents=documents,
    )
    paid = rng.random() > 0.03
    payment = session.exec(
        select(PaymentInstruction).where(PaymentInstruction.withdrawal_id == done.id)
    ).one()
    withdrawals.settle_payment(
        session,
        payment_id=payment.id or 0,
        paid=paid,
        bank_ref=f"WY{payment.id:08d}" if paid else "",
        failure_reason="" if paid else "收款账号户名不符",
    )
    return True


def _borrow(
    session: Session,
    rng: random.Random,
    *,
    account_no: str,
    outlet: str,
    teller: str,
    when: datetime,
    since: date,
) -> str | None:
    """A loan on a contracted project; half of them with offset repayment, a third older ones
    whose installments have fallen due, each within the borrower's limits (none for those who
    are not eligible). Returns the project contact's phone, or None without a loan."""
    project_code = rng.choice(PROJECTS)[0]
    if rng.random() < 0.33:  # never before the demo's business began (nor a settled year)
        when = max(when - timedelta(days=rng.randint(40, 120)), _on(f"{since:%Y-%m}", since.day))
    needed = get_ledger_settings().loan_min_contribution_months
    account = accounts.get_account(session, account_no=account_no)
    limits = loan_limits(session, account=account, today=when.astimezone(centre_tz()).date())
    longest = 360 if limits.max_term_months is None else limits.max_term_months
    terms = [t for t in (60, 120, 240, 360) if t <= longest]
    amount = min(rng.randrange(20, 80) * 1_000_000, limits.ceiling_fen // 100_000 * 100_000)
    if not terms or amount < 1_000_000 or limits.contribution_months < needed:
        return None  # not eligible (near retirement, too little saved): no loan
    loan = loans.post_loan(
        session,
        account_no=account_no,
        project_code=project_code,
        amount_fen=amount,
        term_months=rng.choice(terms),
        outlet_code=outlet,
        teller_code=teller,
        idempotency_key=f"demo-loan-{account_no}",
        offset_repayment=rng.random() < 0.5,
        occurred_at=when,
    )
    project = session.get(Project, loan.project_id)
    assert project is not None
    return project.contact_phone


def sms_replies(attitude: str, efficiency: str, rng: random.Random) -> list[str]:
    """How a person texts back, one text per message they receive: as people really write."""
    digits = f"{attitude}{efficiency}11"  # 1: 没有 repeat trip, 没有 favour asked
    return rng.choice(
        [
            [digits],
            [f"{' '.join(digits)} 服务很好"],
            [digits.translate(str.maketrans("0123456789", "０１２３４５６７８９"))],
            [digits[:2], digits[2:]],  # half an answer, then the rest after the follow-up
            ["好的", digits],  # unreadable, then the format after the clarification
            ["TD"],
            [f"web:{digits}"],  # taps the web survey link in the text and answers there
            [f"web:{digits} 网页填写很方便"],
            ["web-open"],  # opens the link, never answers
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
    repeat = "2" if rng.random() < 0.08 else "1"  # 2: 有 (a repeat trip)
    favour = "2" if rng.random() < 0.01 else "1"  # 2: 有, confirmed when asked
    speaks = rng.random() < 0.3  # answers by voice: decoded by Vosk on our own servers
    return {"answer": "human", "inputs": phone_inputs([tier(), tier(), repeat, favour], speaks)}


# What a person who speaks says for each key, per question (the emulator's clips); a list is
# said over the re-asks: 一般 is asked again among the three tiers, and then 满意 is chosen.
_SPOKEN: tuple[dict[str, list[str]], ...] = (
    {"1": ["feichang_manyi.wav"], "2": ["manyi.wav"], "3": ["bu_manyi.wav"]},
    {"1": ["feichang_manyi.wav"], "2": ["yiban.wav", "manyi.wav"], "3": ["bu_manyi.wav"]},
    {"1": ["meiyou.wav"], "2": ["you.wav"]},
    {"1": ["meiyou.wav"], "2": ["you.wav"]},
)


def phone_inputs(keys: list[str], speaks: bool) -> list[object]:
    """One input per prompt: 是本人, the four answers (a reason after each 不满意, a
    confirmation after a favour asked), and # for no suggestion."""
    inputs: list[object] = [{"speech": "shi.wav"} if speaks else "1"]  # 是本人
    for index, key in enumerate(keys):
        inputs += [{"speech": clip} for clip in _SPOKEN[index][key]] if speaks else [key]
        if index < 2 and key == "3":  # the reason recording
            inputs.append({"speech": "bu_manyi.wav", "press": "#"} if speaks else "#")
        if index == 3 and key == "2":  # 确认请按1
            inputs.append("1")
    inputs.append("#")  # nothing to suggest
    return inputs
