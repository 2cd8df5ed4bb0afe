"""Column types of the ledger's tables."""

from decimal import Decimal

from sqlalchemy import Dialect, String, TypeDecorator


class DecimalText(TypeDecorator[Decimal]):
    """A rate stored exactly as text ('0.12', '0.02525'): no float on any database."""

    impl = String(20)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(Decimal(value), "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)
