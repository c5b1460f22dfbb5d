"""Journal: the write-ahead record that keeps a restart from losing or doubling a hedge.

A fill is journaled before it is hedged, a hedge intent (with its client id) before the order
is sent, and the result when the venue answers. After a crash, `unhedged_fills()` and
`intents_without_result()` say exactly what to look up by client id and what still to hedge.
sqlite in WAL mode with synchronous=NORMAL: each write is one short committed transaction that
survives the process being killed (well under a millisecond on a local disk, no flush to wait
for), so calling it from the event loop is fine.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from hedge.core.types import FillDelta, fill_key_text
from hedge.core.units import decimal_text

# Statuses after which a hedge intent needs no lookup ("unresolved" still does).
# "resolved" / "not_found": settled by looking the client id up (after a restart or a timeout).
FINAL_HEDGE_STATUSES = frozenset({"filled", "partial", "rejected", "halted", "resolved", "not_found"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fills (
    fill_key TEXT PRIMARY KEY,              -- '<order_index>-<cum_filled_base>'
    order_index INTEGER NOT NULL,
    cum_filled_base TEXT NOT NULL,
    market INTEGER NOT NULL,
    side TEXT NOT NULL,                     -- 'bid' | 'ask' (the maker order's side)
    size TEXT NOT NULL,
    price TEXT NOT NULL,
    client_order_index INTEGER NOT NULL,
    seen_ns INTEGER NOT NULL,
    journaled_at_s REAL NOT NULL,
    UNIQUE (order_index, cum_filled_base)
);
CREATE TABLE IF NOT EXISTS owned_orders (
    client_order_index INTEGER PRIMARY KEY, -- written before the create is sent
    market INTEGER NOT NULL,
    side TEXT NOT NULL,
    placed_at_s REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS hedge_intents (
    client_id TEXT PRIMARY KEY,
    fill_key TEXT NOT NULL,
    symbol TEXT NOT NULL,
    amount TEXT NOT NULL,                   -- signed base: + buy, - sell
    created_at_s REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS hedge_intents_fill ON hedge_intents (fill_key);
CREATE TABLE IF NOT EXISTS hedge_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL,
    status TEXT NOT NULL,
    filled TEXT NOT NULL,                   -- signed base actually traded
    avg_price TEXT,
    reason TEXT NOT NULL,
    at_s REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS hedge_results_client ON hedge_results (client_id);
"""

_FINAL_SQL = ",".join(f"'{status}'" for status in sorted(FINAL_HEDGE_STATUSES))


class DuplicateOrderIndex(RuntimeError):
    """A client order index is journaled already: placing under it again would lose an order."""


@dataclass(frozen=True)
class JournaledFill:
    fill_key: str
    order_index: int
    cum_filled_base: Decimal
    market: int
    side: str
    size: Decimal
    price: Decimal
    client_order_index: int
    seen_ns: int


@dataclass(frozen=True)
class HedgeIntent:
    client_id: str
    fill_key: str
    symbol: str
    amount: Decimal
    created_at_s: float


@dataclass(frozen=True)
class JournalTotals:
    fills: int
    filled_base: Decimal          # sum of maker fill sizes
    hedge_intents: int
    hedged_base: Decimal          # sum of |filled| over final hedge results
    unhedged_fills: int
    intents_without_result: int


class Journal:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a commit survives the process being killed at any point (what a restart
        # needs); only an OS crash or power loss can drop the last commits, and then the startup
        # position check refuses to quote instead of trusting the journal. FULL put one or two
        # disk flushes (5-8 ms each under load) on every fill's way to its hedge.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._one_commit = False              # inside one_commit(): fills wait for its commit
        self._lost: sqlite3.Error | None = None   # that commit failed (raised again at its end)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def one_commit(self) -> Iterator[None]:
        """The fills journaled inside share one commit: the fills of one frame cost one commit,
        not one each. Each is written at once (a replay is told at once). The commit comes with
        the first hedge intent written inside (right before that hedge is sent: the frame's
        fills and the intent in one transaction), else when the block ends; either way before
        any hedge of these fills is sent. It happens even when the body raises (the fills
        written are real). A commit that fails is rolled back and raises, there and again when
        the block ends (the caller stops the run)."""
        if self._one_commit:
            yield
            return
        self._one_commit = True
        try:
            yield
        finally:
            self._one_commit = False
            lost, self._lost = self._lost, None
            with self._lock:
                self._commit_open()
            if lost is not None:     # an intent's commit took the frame's fills down with it
                raise lost

    def _commit_open(self) -> None:
        """Commit the open transaction, if any (the lock held)."""
        if not self._db.in_transaction:
            return
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if self._one_commit:
                self._lost = exc
            raise

    def record_fill(self, fill: FillDelta, seen_ns: int = 0) -> bool:
        """Journal one fill delta; False if its key was journaled before (a replay)."""
        row = (fill_key_text(fill.order_index, fill.cum_filled_base), fill.order_index,
               decimal_text(fill.cum_filled_base), fill.market_id, "ask" if fill.is_ask else "bid",
               str(fill.size), str(fill.price), fill.client_order_index, seen_ns, time.time())
        with self._lock:
            if self._one_commit and not self._db.in_transaction:
                self._db.execute("BEGIN")
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO fills VALUES (?,?,?,?,?,?,?,?,?,?)", row)
        return cursor.rowcount == 1

    def record_hedge_intent(self, client_id: str, fill_key: str, symbol: str,
                            amount: Decimal) -> bool:
        """Write ahead of sending, committed when this returns (with the fills of the frame
        being read, see one_commit); False if this client id was already intended."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO hedge_intents VALUES (?,?,?,?,?)",
                (client_id, fill_key, symbol, str(amount), time.time()))
            self._commit_open()
        return cursor.rowcount == 1

    def record_hedge_result(self, client_id: str, status: str, filled: Decimal,
                            avg_price: Decimal | None = None, reason: str = "") -> None:
        """The venue's answer for one client id (status: filled|partial|rejected|halted|unresolved)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO hedge_results (client_id, status, filled, avg_price, reason, at_s)"
                " VALUES (?,?,?,?,?,?)",
                (client_id, status, str(filled), None if avg_price is None else str(avg_price),
                 reason, time.time()))

    def unhedged_fills(self) -> list[JournaledFill]:
        """Fills with no intent yet, or with an intent that has no final result."""
        sql = f"""
            SELECT * FROM fills f WHERE NOT EXISTS (SELECT 1 FROM hedge_intents i
                WHERE i.fill_key = f.fill_key)
            OR EXISTS (SELECT 1 FROM hedge_intents i WHERE i.fill_key = f.fill_key
                AND NOT EXISTS (SELECT 1 FROM hedge_results r WHERE r.client_id = i.client_id
                                AND r.status IN ({_FINAL_SQL})))
            ORDER BY journaled_at_s, rowid"""
        with self._lock:
            rows = self._db.execute(sql).fetchall()
        return [JournaledFill(r[0], r[1], Decimal(r[2]), r[3], r[4], Decimal(r[5]),
                              Decimal(r[6]), r[7], r[8]) for r in rows]

    def intent_amount(self, client_id: str) -> Decimal | None:
        """The signed amount written ahead of sending `client_id` (None: never intended)."""
        with self._lock:
            row = self._db.execute("SELECT amount FROM hedge_intents WHERE client_id = ?",
                                   (client_id,)).fetchone()
        return Decimal(row[0]) if row else None

    def intents_without_result(self) -> list[HedgeIntent]:
        """Hedges that may or may not have reached the venue: look each up by client id."""
        sql = f"""
            SELECT * FROM hedge_intents i WHERE NOT EXISTS (SELECT 1 FROM hedge_results r
                WHERE r.client_id = i.client_id AND r.status IN ({_FINAL_SQL}))
            ORDER BY created_at_s, rowid"""
        with self._lock:
            rows = self._db.execute(sql).fetchall()
        return [HedgeIntent(r[0], r[1], r[2], Decimal(r[3]), r[4]) for r in rows]

    def totals(self) -> JournalTotals:
        with self._lock:
            sizes = [Decimal(r[0]) for r in self._db.execute("SELECT size FROM fills")]
            intents = self._db.execute("SELECT COUNT(*) FROM hedge_intents").fetchone()[0]
            hedged = [Decimal(r[0]) for r in self._db.execute(  # the last final answer per id
                f"SELECT filled FROM hedge_results r WHERE r.id = (SELECT MAX(id) FROM "
                f"hedge_results WHERE client_id = r.client_id AND status IN ({_FINAL_SQL}))")]
        return JournalTotals(
            fills=len(sizes), filled_base=sum(sizes, Decimal(0)), hedge_intents=intents,
            hedged_base=sum((abs(h) for h in hedged), Decimal(0)),
            unhedged_fills=len(self.unhedged_fills()),
            intents_without_result=len(self.intents_without_result()))

    def signed_totals(self, market: int | None = None,
                      symbol: str | None = None) -> tuple[Decimal, Decimal]:
        """(maker base, hedged base), signed (+ bought): what the positions should show; of one
        Lighter market and its hedge symbol when given (several markets share a journal).

        Each client id counts once, by its last final answer.
        """
        where_fill = "" if market is None else " WHERE market = ?"
        where_hedge = "" if symbol is None else (" AND r.client_id IN (SELECT client_id FROM "
                                                 "hedge_intents WHERE symbol = ?)")
        with self._lock:
            maker = sum((Decimal(size) if side == "bid" else -Decimal(size)
                         for size, side in self._db.execute(
                             "SELECT size, side FROM fills" + where_fill,
                             () if market is None else (market,))),
                        Decimal(0))
            hedged = sum((Decimal(r[0]) for r in self._db.execute(
                f"SELECT filled FROM hedge_results r WHERE r.id = (SELECT MAX(id) FROM "
                f"hedge_results WHERE client_id = r.client_id AND status IN ({_FINAL_SQL}))"
                + where_hedge, () if symbol is None else (symbol,))),
                Decimal(0))
        return maker, hedged

    def filled_orders(self) -> list[tuple[int, Decimal]]:
        """(order_index, highest journaled cumulative fill) for every order with a fill."""
        with self._lock:
            rows = self._db.execute("SELECT order_index, cum_filled_base FROM fills").fetchall()
        best: dict[int, Decimal] = {}
        for order_index, cum in rows:
            best[order_index] = max(best.get(order_index, Decimal(0)), Decimal(cum))
        return sorted(best.items())

    def last_fill_key(self, market: int | None = None) -> tuple[int, Decimal] | None:
        where = "" if market is None else "WHERE market = ? "
        with self._lock:
            row = self._db.execute("SELECT order_index, cum_filled_base FROM fills " + where +
                                   "ORDER BY journaled_at_s DESC, rowid DESC LIMIT 1",
                                   () if market is None else (market,)).fetchone()
        return (row[0], Decimal(row[1])) if row else None

    def record_order(self, client_order_index: int, market: int, side: str) -> None:
        """Write ahead of placing a quote, so a restart can ask the venue what became of it.
        An index already journaled is refused (DuplicateOrderIndex): the order it names
        would be lost to recovery."""
        with self._lock:
            try:
                self._db.execute("INSERT INTO owned_orders VALUES (?,?,?,?)",
                                 (client_order_index, market, side, time.time()))
            except sqlite3.IntegrityError:
                raise DuplicateOrderIndex(
                    f"client order index {client_order_index} (market {market}, {side}) is "
                    f"already in the journal: refusing to place a second order under it") from None

    def max_client_order_index(self) -> int:
        """The highest client order index ever journaled (0 for none)."""
        with self._lock:
            row = self._db.execute("SELECT MAX(client_order_index) FROM owned_orders").fetchone()
        return int(row[0] or 0)

    def recent_orders(self, market: int, limit: int = 200) -> list[int]:
        """Client order indexes of the newest quotes placed on `market`, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT client_order_index FROM owned_orders WHERE market = ? "
                "ORDER BY placed_at_s DESC LIMIT ?", (market, limit)).fetchall()
        return [r[0] for r in rows]
