"""A run's directory and the files written at its end: summary.json and trades.csv.

`logs/<run_id>/` holds one run; `logs/latest` points at the newest (a symlink swapped in
atomically, or a text file naming the run where symlinks are unavailable). Old runs beyond
the retention count are removed, and only directories whose names are run ids.
"""
from __future__ import annotations

import csv
import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from hedge.core.fill_split import SPLIT_TERMS, HedgeSplit
from hedge.core.latency_histogram import LatencyHistogram, nearest_rank

RUN_ID_PATTERN = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")
LATEST = "latest"
# Set, it replaces the config's `logging.dir` for `run` and the `logs` of `diagnose`/`report`'s
# default (the test suite points it at a temporary directory, so no test run lands in logs/).
LOGS_DIR_ENV = "HEDGE_LOGS_DIR"


def logs_dir_from_env() -> str | None:
    """`$HEDGE_LOGS_DIR`, or None when it is unset or blank."""
    value = os.environ.get(LOGS_DIR_ENV, "").strip()
    return value or None


def default_run_dir() -> str:
    """What `diagnose` and `report` read when given no run directory: the newest run."""
    return str(Path(logs_dir_from_env() or "logs") / LATEST)


def new_run_id() -> str:
    """UTC timestamp + 6 hex chars: sorts by start time, unique across parallel starts."""
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def create_run_dir(logs_dir: str | Path = "logs", retention_runs: int = 20) -> Path:
    """Make logs/<run_id>/, point logs/latest at it, and prune runs beyond `retention_runs`."""
    logs = Path(logs_dir)
    logs.mkdir(parents=True, exist_ok=True)
    run_dir = logs / new_run_id()
    run_dir.mkdir()
    point_latest(logs, run_dir)
    prune_runs(logs, retention_runs, keep=run_dir)
    return run_dir


def point_latest(logs_dir: Path, run_dir: Path) -> None:
    """Swap logs/latest to `run_dir` in one rename, so a reader never sees it missing."""
    latest = logs_dir / LATEST
    temp = logs_dir / f".{LATEST}.{secrets.token_hex(4)}"
    try:
        os.symlink(run_dir.name, temp, target_is_directory=True)  # relative: survives a move
    except (OSError, NotImplementedError):
        temp.write_text(run_dir.name + "\n")
    if latest.is_dir() and not latest.is_symlink():
        shutil.rmtree(latest)  # a stray real directory cannot be replaced by rename
    os.replace(temp, latest)


def resolve_latest(logs_dir: str | Path = "logs") -> Path | None:
    """The newest run's directory, through the symlink or the fallback text file."""
    latest = Path(logs_dir) / LATEST
    if latest.is_symlink():
        return latest.resolve() if latest.resolve().is_dir() else None
    if latest.is_file():
        target = Path(logs_dir) / latest.read_text().strip()
        return target if target.is_dir() else None
    return None


def prune_runs(logs_dir: Path, retention_runs: int, keep: Path | None = None) -> list[Path]:
    """Remove the oldest run directories beyond `retention_runs`; returns what was removed."""
    runs = sorted(p for p in logs_dir.iterdir()
                  if p.is_dir() and not p.is_symlink() and RUN_ID_PATTERN.match(p.name))
    removed = []
    for old in runs[:max(0, len(runs) - retention_runs)]:
        if keep is not None and old.name == keep.name:
            continue
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old)
    return removed


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100): always one of the values; None when empty."""
    return nearest_rank(values, q)


def latency_stats(values_ms: list[float] | LatencyHistogram) -> dict[str, Any]:
    histogram = values_ms if isinstance(values_ms, LatencyHistogram) else LatencyHistogram(values_ms)
    return histogram.stats()


@dataclass
class LighterCounters:
    orders_placed: int = 0
    orders_modified: int = 0
    orders_canceled: int = 0
    post_only_rejects: int = 0
    fills: int = 0
    filled_base: Decimal = Decimal(0)
    # The account's request budget (docs/CONFIG.md, "Account tiers and the request budget").
    account_tier: str = "standard"
    requests: int = 0                   # every REST read, nextNonce and sendTx sent to Lighter
    max_requests_per_min: int = 0       # most in any rolling 60 s
    rate_limited: int = 0               # 429s received
    tx_latency_ms: LatencyHistogram = field(default_factory=LatencyHistogram)  # sendTx answer -> seen open
    silent_rejects_found: int = 0       # accepted, never on the stream, unknown to the venue
    volume_quota_remaining: int | None = None    # premium only: the last sendTx answer's
    quota_pauses: int = 0               # times quoting paused for want of volume quota
    dead_mans_switch_failures: int = 0
    call_timeouts: int = 0              # REST reads and sendTx without an answer in time
    volume_quote: Decimal = Decimal(0)       # notional of the maker fills


@dataclass
class FeeFigures:
    """The fee rates the run priced with, and what they cost (quote currency)."""

    lighter_maker_bps: Decimal = Decimal(0)
    hedge_taker_bps: Decimal = Decimal(0)
    lighter_quote: Decimal = Decimal(0)
    hedge_quote: Decimal = Decimal(0)
    # Where each rate came from: "venue" (read at startup and booked), "config" (the configured
    # one, at or above the venue's), "config (venue unreadable)"; "" before the fee read.
    lighter_maker_source: str = ""
    hedge_taker_source: str = ""


@dataclass
class HedgeBookCounters:
    """The hedge book feed: streamed or REST polled, and how often it fell back."""

    streamed: bool = False       # the venue's WebSocket (ccxt.pro) delivered the book at least once
    resyncs: int = 0             # sequence gaps: ccxt rebuilt the book from a REST snapshot
    stream_failures: int = 0     # stream connections lost, refused or gone silent
    polls: int = 0               # REST book reads (fallback polling and hedges on a stale book)


@dataclass
class HedgeCounters:
    orders: int = 0
    filled_base: Decimal = Decimal(0)
    filled_quote: Decimal = Decimal(0)        # notional, all markets
    failures: int = 0
    book: HedgeBookCounters = field(default_factory=HedgeBookCounters)


@dataclass
class PositionSnapshot:
    lighter_base: Decimal = Decimal(0)
    hedge_base: Decimal = Decimal(0)
    net_quote: Decimal = Decimal(0)           # net positions at the mid, all markets

    @property
    def net_base(self) -> Decimal:
        return self.lighter_base + self.hedge_base


@dataclass
class WsCounters:
    frames_in: int = 0
    reconnects: int = 0
    book_resyncs: int = 0
    unexpected_frames: int = 0
    dropped_entries: int = 0         # unreadable orders/trades/levels inside readable frames


@dataclass
class ReliabilityCounters:
    fills_lost: int = 0
    double_hedges: int = 0
    max_unhedged_ms: float = 0
    orders_left_open: int = 0
    # Beyond the design's four: the figures of the fault matrix (docs/DIAGNOSTIC_GUIDE.md).
    disconnects_survived: int = 0
    reconnect_ms: LatencyHistogram = field(default_factory=LatencyHistogram)
    duplicate_frames_ignored: int = 0
    ambiguous_hedges_resolved: int = 0
    max_unhedged_base: Decimal = Decimal(0)
    hedge_carry_base: Decimal = Decimal(0)   # left owed at the end: below the hedge venue minimum


@dataclass
class RunSummary:
    """Counters the engine bumps during a run; `to_dict()` is summary.json (docs/LOGGING.md)."""

    run_id: str
    mode: str
    exit_reason: str = "error:not_stopped"
    final: bool = True       # false: written while the run goes (every logging.summary_every_s)
    lighter: LighterCounters = field(default_factory=LighterCounters)
    hedge: HedgeCounters = field(default_factory=HedgeCounters)
    position: PositionSnapshot = field(default_factory=PositionSnapshot)
    fill_to_hedge_submit_ms: LatencyHistogram = field(default_factory=LatencyHistogram)
    fill_to_hedge_ack_ms: LatencyHistogram = field(default_factory=LatencyHistogram)
    hedge_book_age_at_quote_ms: LatencyHistogram = field(default_factory=LatencyHistogram)
    hedge_book_age_at_hedge_ms: LatencyHistogram = field(default_factory=LatencyHistogram)
    ws: WsCounters = field(default_factory=WsCounters)
    reliability: ReliabilityCounters = field(default_factory=ReliabilityCounters)
    fees: FeeFigures = field(default_factory=FeeFigures)
    pnl_quote: Decimal = Decimal(0)
    # Lighter symbol -> {"lighter": {...}, "hedge": {...}, "position": {...}}, one per market
    markets: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        lighter, hedge, position, ws, rel = (self.lighter, self.hedge, self.position, self.ws,
                                             self.reliability)
        return {
            "run_id": self.run_id, "mode": self.mode, "exit_reason": self.exit_reason,
            "final": self.final,
            "lighter": {"orders_placed": lighter.orders_placed,
                        "orders_modified": lighter.orders_modified,
                        "orders_canceled": lighter.orders_canceled,
                        "post_only_rejects": lighter.post_only_rejects,
                        "fills": lighter.fills, "filled_base": _amount(lighter.filled_base),
                        "account_tier": lighter.account_tier,
                        "requests": lighter.requests,
                        "max_requests_per_min": lighter.max_requests_per_min,
                        "rate_limited": lighter.rate_limited,
                        "tx_latency_ms": latency_stats(lighter.tx_latency_ms),
                        "silent_rejects_found": lighter.silent_rejects_found,
                        "volume_quota_remaining": lighter.volume_quota_remaining,
                        "quota_pauses": lighter.quota_pauses,
                        "dead_mans_switch_failures": lighter.dead_mans_switch_failures,
                        "call_timeouts": lighter.call_timeouts,
                        "volume_quote": _amount(lighter.volume_quote)},
            "hedge": {"orders": hedge.orders, "filled_base": _amount(hedge.filled_base),
                      "filled_quote": _amount(hedge.filled_quote), "failures": hedge.failures,
                      "book": {"streamed": hedge.book.streamed, "resyncs": hedge.book.resyncs,
                               "stream_failures": hedge.book.stream_failures,
                               "polls": hedge.book.polls}},
            "position": {"lighter_base": _amount(position.lighter_base),
                         "hedge_base": _amount(position.hedge_base),
                         "net_base": _amount(position.net_base),
                         "net_quote": _amount(position.net_quote)},
            "latency_ms": {"fill_to_hedge_submit": latency_stats(self.fill_to_hedge_submit_ms),
                           "fill_to_hedge_ack": latency_stats(self.fill_to_hedge_ack_ms),
                           "hedge_book_age_at_quote": latency_stats(self.hedge_book_age_at_quote_ms),
                           "hedge_book_age_at_hedge": latency_stats(self.hedge_book_age_at_hedge_ms)},
            "ws": {"frames_in": ws.frames_in, "reconnects": ws.reconnects,
                   "book_resyncs": ws.book_resyncs, "unexpected_frames": ws.unexpected_frames,
                   "dropped_entries": ws.dropped_entries},
            "reliability": {"fills_lost": rel.fills_lost, "double_hedges": rel.double_hedges,
                            "max_unhedged_ms": rel.max_unhedged_ms,
                            "orders_left_open": rel.orders_left_open,
                            "disconnects_survived": rel.disconnects_survived,
                            "reconnect_ms": {k: v for k, v in latency_stats(rel.reconnect_ms).items()
                                             if k in ("p50", "p99", "max")},
                            "duplicate_frames_ignored": rel.duplicate_frames_ignored,
                            "ambiguous_hedges_resolved": rel.ambiguous_hedges_resolved,
                            "max_unhedged_base": _amount(rel.max_unhedged_base),
                            "hedge_carry_base": _amount(rel.hedge_carry_base)},
            "fees": {"lighter_maker_bps": _amount(self.fees.lighter_maker_bps),
                     "hedge_taker_bps": _amount(self.fees.hedge_taker_bps),
                     "lighter_quote": _amount(self.fees.lighter_quote),
                     "hedge_quote": _amount(self.fees.hedge_quote),
                     "lighter_maker_source": self.fees.lighter_maker_source,
                     "hedge_taker_source": self.fees.hedge_taker_source},
            "pnl_quote": _amount(self.pnl_quote),
            "markets": self.markets,
        }


def _amount(value: Decimal) -> str:
    return format(value, "f")


def _bps(value: Decimal) -> str:
    """A split term: bp to 1e-6, enough for the five to add up to the PnL in the csv."""
    rounded = value.quantize(Decimal("0.000001"))
    return format(abs(rounded) if rounded == 0 else rounded, "f")   # never "-0.000000"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _amount(value)
    raise TypeError(f"summary value of type {type(value).__name__} is not JSON")


def write_summary(run_dir: str | Path, summary: RunSummary | dict[str, Any]) -> Path:
    """Write summary.json atomically (temp file, fsync, rename); Decimals become strings."""
    data = summary.to_dict() if isinstance(summary, RunSummary) else summary
    path = Path(run_dir) / "summary.json"
    temp = path.with_name(f".summary.json.{secrets.token_hex(4)}")
    with open(temp, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, default=_json_default)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)
    return path


# hedge_price_assumed (maker rows): the hedge venue price the quote was priced against;
# hedge_price_at_fill: the hedge book's price for the size when the fill was seen. Hedge rows:
# hedge_price_at_submit (the book's price when the hedge went), and the five-way split of the
# maker fill(s) the leg covered (hedge/core/fill_split.py), in bp of their notional, adding up
# to their PnL; the leg's hedge_price_assumed/at_fill are those fills' (size-weighted).
# market: the Lighter symbol the row belongs to. New columns go at the end.
TRADES_COLUMNS = ("ts", "venue", "role", "side", "size", "price", "fill_key", "client_id",
                  "hedge_price_assumed", "market", "hedge_price_at_fill", "hedge_price_at_submit",
                  *(f"split_{term}_bps" for term in SPLIT_TERMS))


class TradesCsv:
    """trades.csv: one row per maker fill (role=maker) and per hedge fill (role=hedge)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        is_new = not self.path.exists() or self.path.stat().st_size == 0
        self._file = open(self.path, "a", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file)
        if is_new:
            self._writer.writerow(TRADES_COLUMNS)
            self._file.flush()

    def maker_fill(self, side: str, size: Decimal, price: Decimal, fill_key: str,
                   ts: datetime | None = None, hedge_price_assumed: Decimal | None = None,
                   market: str = "", hedge_price_at_fill: Decimal | None = None) -> None:
        self._row("lighter", "maker", side, size, price, fill_key, "", ts, market,
                  (hedge_price_assumed, hedge_price_at_fill))

    def hedge_fill(self, venue: str, side: str, size: Decimal, price: Decimal | None,
                   fill_key: str, client_id: str, ts: datetime | None = None,
                   market: str = "", split: HedgeSplit | None = None) -> None:
        if split is None:
            self._row(venue, "hedge", side, size, price, fill_key, client_id, ts, market, ())
            return
        self._row(venue, "hedge", side, size, price, fill_key, client_id, ts, market,
                  (split.assumed, split.at_fill, split.at_submit,
                   *(_bps(v) for v in split.split.as_dict().values())))

    def _row(self, venue: str, role: str, side: str, size: Decimal, price: Decimal | None,
             fill_key: str, client_id: str, ts: datetime | None, market: str,
             priced: tuple) -> None:
        """`priced`: hedge_price_assumed, then the columns after `market`, in order."""
        when = ts or datetime.now(timezone.utc)
        cells = ["" if v is None else (v if isinstance(v, str) else _amount(v)) for v in priced]
        cells += [""] * (len(TRADES_COLUMNS) - 9 - len(cells))
        self._writer.writerow((when.isoformat(timespec="milliseconds"), venue, role, side,
                               _amount(size), "" if price is None else _amount(price),
                               fill_key, client_id, cells[0], market, *cells[1:]))
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> TradesCsv:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
