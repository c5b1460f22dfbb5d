"""Why were fills not detected (or not hedged)? The decision tree over a run's facts.

Pure functions: `diagnose(facts)` walks the checks in order (connected -> order book ->
account_orders with auth -> account updates -> fills -> hedges); the first failing check
names the scenario. `findings(facts)` lists secondary problems the logs prove, whatever the
scenario. Every scenario and finding links a section of docs/DIAGNOSTIC_GUIDE.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hedge.adapters.lighter.messages import AUTH_ERROR_CODES, AUTH_INVALID_CODE, AUTH_MISSING_CODE
from hedge.diagnostics.findings import Finding, findings
from hedge.diagnostics.run_facts import RunFacts

GUIDE = "docs/DIAGNOSTIC_GUIDE.md"

ACTIONS = {
    "healthy": "Nothing to do: every fill was detected, hedged and acknowledged.",
    "no_connection": "The bot never opened the Lighter stream. Check lighter.url, DNS/firewall/proxy, "
                     "and the venue's status; the connection failure lines name the HTTP status.",
    "no_order_book": "Connected but no order book snapshot: check lighter.market and the subscribe "
                     "lines; the error frames name the refused channel.",
    "auth_failed": f"Account channels refused ({AUTH_INVALID_CODE}/{AUTH_MISSING_CODE}): "
                   "check LIGHTER_ACCOUNT_INDEX, "
                   "LIGHTER_API_KEY_INDEX and that the private key is the one registered for that "
                   "index; check the machine clock (tokens carry an expiry).",
    "not_quoting": "The bot placed no order, so nothing could fill: read the [QUOTE] and [STATUS] "
                   "lines (bid=None ask=None), the hedge venue's book and the risk limits.",
    "no_account_updates": "Subscribed to account_orders but no update ever arrived although orders "
                          "were placed: the account index in the channel may not own the orders, "
                          "or the venue is not publishing; compare with REST accountActiveOrders.",
    "no_fills": "Account updates arrive but no order filled: the quotes sit away from the market "
                "(pricing: profit with min_profit_bps), or there is no taker flow. Try "
                "pricing: join, or a longer run.",
    "fills_not_hedged": "Fills were detected but not all were hedged and acknowledged: read the "
                        "[HEDGE] failure lines (margin -2019, key -2015, rate limits), fix the hedge "
                        "account, then flatten the net position by hand if the bot stopped.",
}


@dataclass
class Check:
    name: str
    ok: bool
    evidence: str

    def to_dict(self) -> dict:
        return {"name": self.name, "ok": self.ok, "evidence": self.evidence}


@dataclass
class Diagnosis:
    scenario: str
    checks: list[Check]
    findings: list[Finding] = field(default_factory=list)
    markets: list[Check] = field(default_factory=list)      # one per market of summary.json
    events_from: str = ""      # events.jsonl, bot.log (a run from before it) or "" (neither)

    @property
    def action(self) -> str:
        return ACTIONS[self.scenario]

    @property
    def guide(self) -> str:
        return f"{GUIDE}#{self.scenario}"

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "action": self.action, "guide": self.guide,
                "checks": [c.to_dict() for c in self.checks],
                "findings": [f.to_dict() for f in self.findings],
                "markets": [c.to_dict() for c in self.markets], "events_from": self.events_from}


def _span(times: list[str]) -> str:
    return f"first {times[0]}, last {times[-1]}" if times else "never"


def _summary(f: RunFacts, *keys: str, default=None):
    node = f.summary
    for key in keys:
        if not isinstance(node, dict):
            return default
        node = node.get(key)
    return default if node is None else node


def _frames(f: RunFacts, kind: str) -> int:
    """Frames of a type, from bot.log's 📨 lines or, when absent, the jsonl."""
    return max(f.frames.get(kind, 0), f.jsonl_in.get(kind, 0))


def _auth_errors(f: RunFacts) -> list[tuple[str, int | None, str]]:
    return [e for e in f.error_frames if e[1] in AUTH_ERROR_CODES]


def _key_refused(f: RunFacts) -> bool:
    reason = str(_summary(f, "exit_reason", default=""))
    return "LighterKeyError" in reason or str(AUTH_INVALID_CODE) in reason


# -- the checks, in the order the tree walks them ------------------------------------------

def check_connected(f: RunFacts) -> Check:
    n = max(len(f.connected), f.jsonl_in.get("connected", 0))
    parts = [f"connected {n}x ({_span(f.connected)})"]
    if f.connect_failures:
        parts.append(f"{len(f.connect_failures)} failed attempts, last: {f.connect_failures[-1].text}")
    return Check("connected", n > 0, "; ".join(parts))


def check_order_book(f: RunFacts) -> Check:
    snaps, updates = _frames(f, "subscribed/order_book"), _frames(f, "update/order_book")
    ev = (f"subscribe order_book sent {f.subscribes.get('order_book', 0)}x; snapshots {snaps}, "
          f"updates {updates} ({_span(f.frame_times.get('update/order_book', []))})")
    return Check("subscribed order_book", snaps > 0, ev)


def check_account_orders(f: RunFacts) -> Check:
    snaps = _frames(f, "subscribed/account_orders") + _frames(f, "subscribed/account_all_orders")
    auth = _auth_errors(f)
    ev = f"subscribe account_orders sent {f.subscribes.get('account_orders', 0)}x; snapshots {snaps}"
    if auth:
        ev += f"; auth errors {len(auth)} (first {auth[0][0]} code={auth[0][1]} {auth[0][2]})"
    if f.rest_auth_errors:
        ev += f"; REST auth errors {len(f.rest_auth_errors)} ({f.rest_auth_errors[0].text})"
    return Check("subscribed account_orders (auth accepted)", snaps > 0, ev)


def orders_placed(f: RunFacts) -> int:
    return max(int(_summary(f, "lighter", "orders_placed", default=0) or 0), f.quote_accepted)


def check_account_updates(f: RunFacts) -> Check:
    updates = _frames(f, "update/account_orders") + _frames(f, "update/account_all_orders")
    times = f.frame_times.get("update/account_orders", [])
    ev = (f"account_orders updates {updates} ({_span(times)}); orders placed {orders_placed(f)}; "
          f"order states seen {dict(f.order_statuses) or '{}'}")
    return Check("account_orders updates arriving", updates > 0, ev)


def check_fills(f: RunFacts) -> Check:
    n = max(len(f.fills), int(_summary(f, "lighter", "fills", default=0) or 0))
    statuses = f.order_statuses
    ev = (f"fills {n} ({_span([e.time for e in f.fills])}); filled/partial order lines: "
          f"filled={statuses.get('filled', 0)}")
    return Check("an order reached filled/partial", n > 0, ev)


def check_hedged(f: RunFacts) -> Check:
    fills = max(len(f.fills), int(_summary(f, "lighter", "fills", default=0) or 0))
    net = _summary(f, "position", "net_base")
    failures = len(f.hedge_failures)
    unhedged = f.fill_signed_base + f.hedge_signed_base
    if net is not None:
        try:
            unhedged = float(net)
        except ValueError:
            pass
    ok = fills > 0 and abs(unhedged) < 1e-9 and not f.kill_switch
    ev = (f"fills {fills} ({f.fill_base:g} base); hedge submits {len(f.hedge_submits)}, "
          f"acks {len(f.hedge_acks)} ({f.hedge_acked_base:g} base), failures {failures}")
    if f.hedge_failures:
        ev += f" (last: {f.hedge_failures[-1].text[:160]})"
    if net is not None:
        ev += f"; net position {net}"
    if f.kill_switch:
        ev += f"; KILL SWITCH {f.kill_switch[0].text}"
    return Check("every fill hedged and acknowledged", ok, ev)


def market_checks(f: RunFacts) -> list[Check]:
    """Each market of the run (summary.json `markets`): it filled, every fill was hedged on
    its own symbol (net position 0), and no limit of its own paused it."""
    blocks = (f.summary or {}).get("markets")
    if not isinstance(blocks, dict):
        return []
    checks = []
    for symbol, block in blocks.items():
        if not isinstance(block, dict):
            continue
        lighter, hedge, position = (block.get(k) if isinstance(block.get(k), dict) else {}
                                    for k in ("lighter", "hedge", "position"))
        fills, net = lighter.get("fills", 0), str(position.get("net_base", "0"))
        try:
            flat = float(net) == 0
        except ValueError:
            flat = False
        paused = str(block.get("paused") or "")
        ev = (f"{symbol} on {block.get('hedge_symbol', '?')}: fills {fills}, hedges "
              f"{hedge.get('orders', 0)} (failures {hedge.get('failures', 0)}), net {net}")
        if paused:
            ev += f"; PAUSED {paused}"
        checks.append(Check(f"market {symbol}", bool(fills) and flat and not paused, ev))
    return checks


def diagnose(f: RunFacts) -> Diagnosis:
    """Walk the tree; the first failing check decides the scenario."""
    checks: list[Check] = []
    tree = (
        (check_connected, "no_connection"),
        (check_order_book, "no_order_book"),
        (check_account_orders, "auth_failed"),
        (check_account_updates, "no_account_updates"),
        (check_fills, "no_fills"),
        (check_hedged, "fills_not_hedged"),
    )
    scenario = "healthy"
    for check, failing in tree:
        result = check(f)
        checks.append(result)
        if result.ok:
            continue
        scenario = failing
        if failing == "no_account_updates" and orders_placed(f) == 0:
            scenario = "not_quoting"
        if failing == "no_connection" and (f.rest_auth_errors or _key_refused(f)):
            scenario = "auth_failed"
        break
    return Diagnosis(scenario, checks, findings(f), market_checks(f), f.events_source)
