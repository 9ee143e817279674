"""Write transactions shared by concurrent callers (`Database.write_shared`)."""

from __future__ import annotations

import threading

import pytest

from storage._duckdb_db import Database
from storage.errors import AlreadyExistsError


@pytest.fixture
def db(tmp_path):
    opened = Database(tmp_path / "workspace.duckdb")
    with opened.writing() as cur:
        cur.execute("CREATE TABLE items (id TEXT PRIMARY KEY)")
    yield opened
    opened.close()


def insert(item_id: str, threads: list[int] | None = None):
    def work(cur):
        if threads is not None:
            threads.append(threading.get_ident())
        cur.execute("INSERT INTO items VALUES (?)", [item_id])
        return item_id

    return work


def ids(db: Database) -> list[str]:
    with db.reading() as cur:
        return [r[0] for r in cur.execute("SELECT id FROM items ORDER BY id").fetchall()]


def run_waiting(db: Database, works: list, combine=None) -> list:
    """Call write_shared (with `combine`) with each work from its own thread while the write
    lock is held, so that they queue up; return each call's result or exception."""
    outcomes: list = [None] * len(works)

    def call(index: int) -> None:
        try:
            outcomes[index] = db.write_shared(works[index], combine=combine)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            outcomes[index] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(works))]
    with db.writing():
        for thread in threads:
            thread.start()
        while len(db._shared) < len(works):  # every call is queued behind the lock
            threading.Event().wait(0.01)
    for thread in threads:
        thread.join(10)
    return outcomes


def test_waiting_writes_share_one_transaction(db):
    """Work queued behind the lock runs in one thread's transaction; every caller gets its
    own result once it is committed."""
    ran_in: list[int] = []
    outcomes = run_waiting(db, [insert(f"r{i}", ran_in) for i in range(8)])
    assert outcomes == [f"r{i}" for i in range(8)]
    assert len(set(ran_in)) == 1 and len(ran_in) == 8
    assert ids(db) == [f"r{i}" for i in range(8)]


def test_a_failing_write_fails_alone(db):
    """One work of a shared transaction fails: the others are committed all the same, and
    only its caller gets the error."""
    db.write_shared(insert("taken"))
    works = [insert("a"), insert("taken"), insert("b")]
    outcomes = run_waiting(db, works)
    assert outcomes[0] == "a" and outcomes[2] == "b"
    assert isinstance(outcomes[1], AlreadyExistsError)
    assert ids(db) == ["a", "b", "taken"]


def test_a_lone_write_commits_or_rolls_back(db):
    assert db.write_shared(insert("x")) == "x"

    def half_then_fail(cur):
        cur.execute("INSERT INTO items VALUES ('y')")
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        db.write_shared(half_then_fail)
    assert ids(db) == ["x"]


def insert_all(cur, works: list) -> list[str]:
    """A `combine`: every queued work's item in one statement."""
    cur.execute("INSERT INTO items SELECT unnest(?)", [[work.item for work in works]])
    return [work.item for work in works]


class Item:
    """One caller's work: insert its item (alone, or with others through `combine`)."""

    def __init__(self, item: str, combine) -> None:
        self.item = item
        self.combine = combine

    def __call__(self, cur):
        return self.combine(cur, [self])[0]


def test_queued_works_with_one_combine_are_done_by_one_call(db):
    calls: list[int] = []

    def combine(cur, works):
        calls.append(len(works))
        return insert_all(cur, works)

    works = [Item(f"r{i}", combine) for i in range(6)]
    assert run_waiting(db, works, combine) == [f"r{i}" for i in range(6)]
    assert calls == [6]
    assert ids(db) == [f"r{i}" for i in range(6)]


def test_a_failing_combined_write_fails_only_its_own_caller(db):
    db.write_shared(Item("taken", insert_all), combine=insert_all)
    works = [Item("a", insert_all), Item("taken", insert_all), Item("b", insert_all)]
    outcomes = run_waiting(db, works, insert_all)
    assert outcomes[0] == "a" and outcomes[2] == "b"
    assert isinstance(outcomes[1], Exception)
    assert ids(db) == ["a", "b", "taken"]
