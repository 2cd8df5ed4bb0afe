"""ledger: the keys of the two bulk tables checked once per statement, not once per row

A monthly remittance writes a line per depositor into remittance_line and journal_line. Their
four foreign keys each ran one `SELECT … FOR KEY SHARE` per row (40,000 for 10,000 people),
half of the posting's time. On PostgreSQL each table gets one statement-level trigger that
checks the same, set-based (one anti-join of the statement's new rows against the parent), and
refuses the whole statement with foreign_key_violation (23503) if a parent is missing. The
parents keep the keys' NO ACTION: a referenced row is not deleted (the delete locks the child
tables SHARE first, so it waits for lines being written and then sees them) and no id ever
changes. The ledger itself never deletes these rows. SQLite keeps its declared keys.

Revision ID: e7f8a9b0c1d2
Revises: d5e6f7a8b9c0
Create Date: 2026-12-03 10:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e7f8a9b0c1d2"
down_revision: str | Sequence[str] | None = "d5e6f7a8b9c0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (child table, column, parent table): the keys checked per statement.
KEYS = (
    ("journal_line", "posting_id", "posting"),
    ("journal_line", "fund_account_id", "fund_account"),
    ("remittance_line", "remittance_id", "remittance"),
    ("remittance_line", "fund_account_id", "fund_account"),
)
CHILDREN = ("journal_line", "remittance_line")
PARENTS = ("posting", "fund_account", "remittance")


def _child_check(child: str) -> str:
    """The statement trigger's function: every parent the new rows name exists (one anti-join)."""
    checks = []
    for table, column, parent in KEYS:
        if table != child:
            continue
        checks.append(
            f"""
    IF EXISTS (
        SELECT 1 FROM new_rows AS n
        WHERE n.{column} IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM {parent} AS p WHERE p.id = n.{column})
    ) THEN
        RAISE EXCEPTION
            'insert or update on table "{child}" violates foreign key "{child}_{column}_fkey"'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = 'a {column} names no row of {parent}';
    END IF;"""
        )
    return f"""
CREATE FUNCTION huifang_{child}_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{"".join(checks)}
    RETURN NULL;
END
$$"""


def _parent_guard(parent: str) -> str:
    """A row-level guard on the parent: no delete while referenced, no new id ever.

    A delete (never part of the ledger's own work) takes SHARE locks on the child tables: it
    waits for transactions writing lines and holds new ones off, then looks for children with
    a fresh snapshot (READ COMMITTED), so a line committed meanwhile is seen.
    """
    children = sorted({table for table, _, other in KEYS if other == parent})
    referenced = " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} WHERE {column} = OLD.id)"
        for table, column, other in KEYS
        if other == parent
    )
    return f"""
CREATE FUNCTION huifang_{parent}_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.id IS DISTINCT FROM OLD.id THEN
            RAISE EXCEPTION 'the id of a {parent} row never changes'
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'a {parent} row is deleted only at READ COMMITTED'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    LOCK TABLE {", ".join(children)} IN SHARE MODE;
    IF {referenced} THEN
        RAISE EXCEPTION
            'update or delete on table "{parent}" violates a foreign key: it is still referenced'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END
$$"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, _ in KEYS:
        op.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{table}_{column}_fkey"')
    for child in CHILDREN:
        op.execute(_child_check(child))
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER {child}_keys_{event.lower()} AFTER {event} ON {child} "
                "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
                f"EXECUTE FUNCTION huifang_{child}_keys()"
            )
    for parent in PARENTS:
        op.execute(_parent_guard(parent))
        op.execute(
            f"CREATE TRIGGER {parent}_referenced BEFORE DELETE OR UPDATE OF id ON {parent} "
            f"FOR EACH ROW EXECUTE FUNCTION huifang_{parent}_referenced()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for parent in PARENTS:
        op.execute(f"DROP TRIGGER IF EXISTS {parent}_referenced ON {parent}")
        op.execute(f"DROP FUNCTION IF EXISTS huifang_{parent}_referenced()")
    for child in CHILDREN:
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {child}_keys_{event} ON {child}")
        op.execute(f"DROP FUNCTION IF EXISTS huifang_{child}_keys()")
    for table, column, parent in KEYS:
        op.execute(
            f'ALTER TABLE {table} ADD CONSTRAINT "{table}_{column}_fkey" '
            f"FOREIGN KEY ({column}) REFERENCES {parent} (id)"
        )
