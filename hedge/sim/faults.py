"""Fault knobs of both local venues, and the named profiles that set them.

A profile is chosen at start (`--faults PROFILE`) or posted at run time (`POST /sim/faults`
with `{"profile": NAME}` or with knobs). Every random fault is drawn from the venue's own seeded
generator, so a seeded run injects the same faults in the same order.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable


@dataclass
class LighterFaults:
    """What the Lighter-protocol venue does wrong on purpose."""

    ws_disconnect_every_s: float = 0.0      # close every WS connection this often (0 = never)
    duplicate_account_frame_prob: float = 0.0  # resend an account frame as is
    late_account_frame_prob: float = 0.0    # resend an older account frame after a delay
    book_nonce_gap_prob: float = 0.0        # skip the begin_nonce chain on a book update
    book_gap_markets: list[str] = field(default_factory=list)  # these symbols: every update skips
    refuse_ws: bool = False                 # answer the WS upgrade with HTTP 503
    reject_auth: bool = False               # every private subscribe gets error 20013
    mute_account_orders: bool = False       # account subscriptions succeed, no updates follow
    no_taker_flow: bool = False             # no synthetic takers: nothing ever fills
    ws_silent: bool = False                 # keep connections open but send nothing
    tx_latency_ms: int = 0                  # sendTx accepted now, executed this much later
    nonce_error_next: int = 0               # the next N sendTx answer 21104 regardless
    rate_limit_next: int = 0                # the next N sendTx answer HTTP 429 (code 23000)
    silent_reject_prob: float = 0.0         # create/modify answered 200, then never executes
    rest_stall_ms: int = 0                  # every REST call (sendTx too) hangs this long first
    rest_stall_paths: list[str] = field(default_factory=list)  # only paths containing one of these
    market_status: dict[str, str] = field(default_factory=dict)  # symbol -> active|inactive|frozen|reduce_only
    # The real venue's rules (docs/SIM.md "Tiers and caps"): not faults, but switchable the same way.
    tier_latency: bool = True               # add the account tier's maker/cancel/taker latency
    rate_window_s: float = 60.0             # length of every rolling cap window (REST, WS)
    ip_requests_per_window: int = 1_000_000  # REST + sendTx requests per IP per window
    ws_messages_per_min: int = 200          # WS client messages per IP per window (sendtx excluded)
    ws_inflight_max: int = 50               # WS client messages awaiting their answer
    ws_ack_delay_ms: int = 0                # answers to WS client messages leave this much later
    ws_connections_per_min: int = 60        # new WS connections per IP per window (beyond: 429)
    volume_quota_start: int = 1000          # premium: quota of a newly registered account
    volume_quota_refill_s: float = 15.0     # premium: one free create/modify every this many s
    cancel_all_single_queued: bool = True   # a second scheduled cancel-all gets 21712
    clock_offset_ms: int = 0                # the venue's clock runs this far ahead of the host
    unknown_enum_in_replies: bool = False   # REST replies carry enum values the SDK does not know


# id(HedgeFaults) -> called after a knob that opens or closes the listener is set, so the
# refusal switch is driven by the change itself rather than by polling.
_REFUSAL_WATCHERS: dict[int, tuple[weakref.ref, Callable[[], None]]] = {}
_REFUSAL_KNOBS = ("refuse_connections", "next")


@dataclass
class HedgeFaults:
    """What a hedge venue (every exchange's wire format alike) does wrong on purpose."""

    http_429_prob: float = 0.0              # reject with 429 before matching
    http_418_prob: float = 0.0              # reject with 418 (IP ban) before matching
    http_5xx_prob: float = 0.0              # reject with 502/503 before matching
    err_1001_prob: float = 0.0              # -1001 "disconnected" before matching
    execute_then_drop_prob: float = 0.0     # execute the order, then close the socket
    execute_then_late_prob: float = 0.0     # execute the order, answer after `late_ms`
    late_ms: int = 3000
    reject_hedges: bool = False             # every new order: -2019 margin is insufficient
    reject_hedge_symbols: list[str] = field(default_factory=list)  # the same, these symbols only
    refuse_connections: bool = False        # the listener is closed (connection refused)
    book_stream_gap: int = 0                # skip the next N depth-stream events (pu breaks)
    book_stream_gap_prob: float = 0.0       # skip each depth-stream event with this probability
    book_stream_drop: bool = False          # one-shot: close every depth-stream connection
    book_stream_refuse_s: float = 0.0       # after a drop, refuse stream connections this long
    next: list[str] = field(default_factory=list)  # one-shot faults for the next orders
    lookup_lag_ms: int = 0                  # an order is invisible to order lookups this long
    clock_offset_ms: int = 0                # the venue's clock runs this far ahead (< 0: behind)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        ref, watcher = _REFUSAL_WATCHERS.get(id(self), (None, None))
        if watcher is not None and name in _REFUSAL_KNOBS and ref() is self:
            watcher()

    def watch_refusal(self, on_change: Callable[[], None] | None) -> None:
        """Have `on_change` called whenever `refuse_connections` or `next` is set."""
        if on_change is None:
            _REFUSAL_WATCHERS.pop(id(self), None)
        else:
            _REFUSAL_WATCHERS[id(self)] = (weakref.ref(self), on_change)


@dataclass
class FaultProfile:
    name: str
    lighter: LighterFaults
    hedge: HedgeFaults


PROFILES: dict[str, FaultProfile] = {
    "none": FaultProfile("none", LighterFaults(), HedgeFaults()),
    "chaos": FaultProfile(
        "chaos",
        LighterFaults(ws_disconnect_every_s=10.0, duplicate_account_frame_prob=0.2,
                      late_account_frame_prob=0.1, book_nonce_gap_prob=0.01),
        HedgeFaults(http_429_prob=0.05, http_5xx_prob=0.05, execute_then_drop_prob=0.05,
                    execute_then_late_prob=0.05, late_ms=1500),
    ),
    "refuse_ws": FaultProfile("refuse_ws", LighterFaults(refuse_ws=True), HedgeFaults()),
    "reject_auth": FaultProfile("reject_auth", LighterFaults(reject_auth=True), HedgeFaults()),
    "mute_account_orders": FaultProfile(
        "mute_account_orders", LighterFaults(mute_account_orders=True), HedgeFaults()),
    "no_taker_flow": FaultProfile("no_taker_flow", LighterFaults(no_taker_flow=True), HedgeFaults()),
    "reject_hedges": FaultProfile("reject_hedges", LighterFaults(), HedgeFaults(reject_hedges=True)),
}


MARKET_STATUSES = ("active", "inactive", "frozen", "reduce_only")


class UnknownFaultError(ValueError):
    """A profile name or knob the venues do not know; the message lists what exists."""


def fault_profile(name: str) -> FaultProfile:
    """A fresh copy of the named profile (venues mutate their knobs at run time)."""
    try:
        base = PROFILES[name]
    except KeyError:
        raise UnknownFaultError(
            f"unknown fault profile {name!r}; known profiles: {', '.join(PROFILES)}") from None
    lighter = replace(base.lighter, rest_stall_paths=list(base.lighter.rest_stall_paths),
                      market_status=dict(base.lighter.market_status),
                      book_gap_markets=list(base.lighter.book_gap_markets))
    return FaultProfile(base.name, lighter, replace(
        base.hedge, next=list(base.hedge.next),
        reject_hedge_symbols=list(base.hedge.reject_hedge_symbols)))


def restore_defaults(target: LighterFaults | HedgeFaults) -> None:
    """Every knob back to its default, in place (`POST /sim/reset`: a venue shared by tests)."""
    fresh = type(target)()
    for f in fields(target):
        setattr(target, f.name, getattr(fresh, f.name))


def apply_knobs(target: LighterFaults | HedgeFaults, knobs: dict[str, Any]) -> None:
    """Set knobs on a venue's fault state, refusing unknown names and wrong types."""
    known = {f.name: f for f in fields(target)}
    for key, value in knobs.items():
        if key not in known:
            raise UnknownFaultError(
                f"unknown fault knob {key!r}; known knobs: {', '.join(sorted(known))}")
        current = getattr(target, key)
        if isinstance(current, bool):
            ok = isinstance(value, bool)
        elif isinstance(current, (int, float)):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif isinstance(current, list):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        elif isinstance(current, dict):
            ok = isinstance(value, dict) and all(
                isinstance(k, str) and v in MARKET_STATUSES for k, v in value.items())
        else:
            ok = True
        if not ok:
            hint = f" of symbol -> one of {', '.join(MARKET_STATUSES)}" if isinstance(current, dict) else ""
            raise UnknownFaultError(
                f"fault knob {key!r} takes a {type(current).__name__}{hint}, got {value!r}")
        setattr(target, key, type(current)(value))
