"""SELECT ... FOR UPDATE must serialise writers on SQLite too (the demo runs two workers)."""

import contextlib
import threading
import time
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, select, update
from sqlmodel import Session

from kernel.db import make_engine

metadata = MetaData()
counter = Table("counter", metadata, Column("id", Integer, primary_key=True), Column("n", Integer))


def test_two_read_modify_writes_do_not_lose_an_update(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(counter.insert().values(id=1, n=0))
    both_read = threading.Barrier(2, timeout=2)
    errors: list[BaseException] = []

    def increment() -> None:
        try:
            with Session(engine) as session:
                n = session.execute(select(counter.c.n).with_for_update()).scalar_one()
                # Without the lock both get here having read 0; with it, the other one waits
                # for our lock and the barrier breaks, as it should.
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_read.wait()
                time.sleep(0.05)
                session.execute(update(counter).values(n=n + 1))
                session.commit()
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=increment) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    with engine.connect() as conn:
        assert conn.execute(select(counter.c.n)).scalar_one() == 2
    engine.dispose()


def test_a_plain_read_takes_no_write_lock(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'read.db'}")
    metadata.create_all(engine)
    with Session(engine) as reader, Session(engine) as writer:
        reader.execute(select(counter.c.n)).all()
        writer.execute(counter.insert().values(id=1, n=5))
        writer.commit()  # would wait for the reader if the read had locked the database
        assert reader.execute(select(counter.c.n)).scalar_one() == 5
    engine.dispose()
