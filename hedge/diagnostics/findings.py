"""Secondary findings: problems a run's logs prove, reported beside the scenario.

Each rule is a pure function of RunFacts returning a Finding or None; `findings(facts)` runs
them all. Ids are the section anchors of docs/DIAGNOSTIC_GUIDE.md.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hedge.adapters.lighter.messages import AUTH_INVALID_CODE
from hedge.diagnostics.run_facts import RunFacts

GUIDE = "docs/DIAGNOSTIC_GUIDE.md"
RESYNC_STORM = 3                 # book resyncs in one run
POST_ONLY_DOMINANT = 0.5         # share of terminal order states
POST_ONLY_MIN = 3
TERMINAL = ("filled", "canceled", "canceled-post-only", "canceled-expired", "canceled-margin",
            "canceled-not-enough-liquidity", "canceled-self-trade", "canceled-reduce-only")


@dataclass
class Finding:
    id: str
    evidence: str
    action: str

    def to_dict(self) -> dict:
        return {"id": self.id, "evidence": self.evidence, "action": self.action,
                "guide": f"{GUIDE}#{self.id}"}


def _first_last(items) -> str:
    return f"first {items[0].time}, last {items[-1].time}"


def auth_token_expired(f: RunFacts) -> Finding | None:
    """20013 'expired' after the account stream had worked: the token aged out mid-run."""
    expired = [e for e in f.error_frames if e[1] == AUTH_INVALID_CODE and "expired" in e[2]]
    worked = f.frames.get("subscribed/account_orders", 0) + f.jsonl_in.get("subscribed/account_orders", 0)
    if not expired or not worked:
        return None
    return Finding("auth_token_expired",
                   f"{len(expired)} x {AUTH_INVALID_CODE} expired after the account stream was subscribed "
                   f"(first {expired[0][0]}: {expired[0][2]}); token refreshes {len(f.token_refreshes)}",
                   "Lower lighter.auth_token_lifetime_s is not the fix: check the machine clock "
                   "(tokens carry an absolute expiry) and that refreshes happen (`auth token re-minted`).")


def no_pong(f: RunFacts) -> Finding | None:
    closes = [e for e in f.disconnects if "no pong" in e.text or "code=1008" in e.text]
    if not closes:
        return None
    return Finding("no_pong", f"{len(closes)} closes by the venue for a missing pong ({_first_last(closes)}): "
                   f"{closes[0].text}",
                   "The event loop was blocked or the client did not answer {\"type\":\"ping\"}: look "
                   "for long pauses in bot.log around those times; reduce CPU load.")


def nonce_errors(f: RunFacts) -> Finding | None:
    hits = [q for q in f.quote_rejects if q[1] == 21104 or "nonce" in q[2].lower()]
    hits += [e for e in f.error_frames if e[1] == 21104]
    if not hits:
        return None
    return Finding("nonce_errors", f"{len(hits)} transactions refused with 21104 invalid nonce "
                   f"(first {hits[0][0]}: {hits[0][2]})",
                   "Another process uses the same API key index: give every process its own "
                   "LIGHTER_API_KEY_INDEX; the bot refetches the nonce once per refusal.")


def rate_limited(f: RunFacts) -> Finding | None:
    if not f.rate_limit_lines:
        return None
    return Finding("rate_limited", f"{len(f.rate_limit_lines)} rate-limit lines (429/23000) "
                   f"({_first_last(f.rate_limit_lines)}): {f.rate_limit_lines[0].text[:160]}",
                   "Lower lighter.tx_rate_per_min / hedge.order_rate_per_s, or raise the account tier; "
                   "a Standard Lighter account allows only 60 requests a minute.")


def book_resync_storm(f: RunFacts) -> Finding | None:
    n = max(len(f.resyncs), int((f.summary or {}).get("ws", {}).get("book_resyncs", 0) or 0))
    if n < RESYNC_STORM:
        return None
    first = f" ({_first_last(f.resyncs)}; {f.resyncs[0].text})" if f.resyncs else ""
    return Finding("book_resync_storm", f"{n} order book resyncs{first}",
                   "Nonce gaps or crossed books repeat: the connection drops frames (slow reader, "
                   "proxy) or the venue changed its sequencing; check CPU and network.")


def post_only_rejects(f: RunFacts) -> Finding | None:
    rejects = f.order_statuses.get("canceled-post-only", 0)
    terminal = sum(f.order_statuses.get(s, 0) for s in TERMINAL)
    if rejects < POST_ONLY_MIN or rejects <= POST_ONLY_DOMINANT * terminal:
        return None
    return Finding("post_only_rejects", f"{rejects} of {terminal} terminal order states are "
                   "canceled-post-only",
                   "Quotes cross the book when they land: widen min_profit_bps, or use a slower "
                   "requote (min_quote_lifetime_ms) so the book used for pricing is fresher.")


def clock_skew(f: RunFacts) -> Finding | None:
    if not f.clock_skew_lines:
        return None
    return Finding("clock_skew", f"{len(f.clock_skew_lines)} timestamp refusals (-1021 / recvWindow): "
                   f"{f.clock_skew_lines[0].text[:160]}",
                   "Sync the machine clock (chrony/ntpd); the hedge venue refuses requests stamped "
                   "outside recvWindow.")


def unexpected_frames(f: RunFacts) -> Finding | None:
    if not f.unexpected:
        return None
    return Finding("unexpected_frames", f"{len(f.unexpected)} UNEXPECTED MESSAGE TYPE lines "
                   f"(first {f.unexpected[0].time}: {f.unexpected[0].text[:120]})",
                   "The venue sent frames the parser does not know: replay ws_lighter.jsonl with "
                   "`python run.py replay` and report the payload.")


def reconnects(f: RunFacts) -> Finding | None:
    if not f.disconnects:
        return None
    return Finding("reconnects", f"{len(f.disconnects)} disconnects ({_first_last(f.disconnects)}); "
                   f"last: {f.disconnects[-1].text}",
                   "Occasional reconnects are normal (the bot reconciles over REST); many in a row "
                   "point at the network or a blocked event loop.")


def hedge_failures(f: RunFacts) -> Finding | None:
    if not f.hedge_failures:
        return None
    return Finding("hedge_failures", f"{len(f.hedge_failures)} [HEDGE] failure lines "
                   f"({_first_last(f.hedge_failures)}); last: {f.hedge_failures[-1].text[:160]}",
                   "Read the reason: -2019 margin, -2015 key/permissions, -1021 clock, 429 rate; "
                   "fix the hedge account before the next run.")


def kill_switch(f: RunFacts) -> Finding | None:
    if not f.kill_switch:
        return None
    return Finding("kill_switch", f"KILL SWITCH at {f.kill_switch[0].time}: {f.kill_switch[0].text}",
                   "The bot cancelled everything and stopped; check the position on both venues "
                   "and the reason before restarting.")


def market_paused(f: RunFacts) -> Finding | None:
    """One market of several stopped quoting on its own limit; the others traded on."""
    if not f.market_pauses:
        return None
    shown = "; ".join(f"{e.time} {e.text}" for e in f.market_pauses[:5])
    if f.market_resumes:
        shown += f"; resumed: {'; '.join(f'{e.time} {e.text}' for e in f.market_resumes[:5])}"
    return Finding("market_paused", f"{len(f.market_pauses)} market(s) paused: {shown}",
                   "That market's quotes were pulled; its hedges and retries went on. Read its "
                   "[HEDGE] failure lines (a refused symbol, margin) or its limits under "
                   "markets[].risk, check its net position on both venues, then restart.")


def run_incomplete(f: RunFacts) -> Finding | None:
    if f.summary is not None and f.summary.get("final") is False:
        return Finding("run_incomplete", "summary.json is not final (written while the run went, "
                       f"exit_reason {f.summary.get('exit_reason')}): its figures stop at its last "
                       "periodic write",
                       "The run is still going, or it was killed without its stop sequence: if "
                       "it is not running, check the position on both venues and the last lines "
                       "of bot.log, then restart (docs/OPERATIONS.md).")
    if f.summary is not None and not str(f.summary.get("exit_reason", "")).startswith("error:"):
        return None
    what = f.summary_problem or f"exit_reason {f.summary.get('exit_reason')}"
    return Finding("run_incomplete", what,
                   "The run did not stop cleanly: read the last ERROR lines of bot.log.")


def unreadable_logs(f: RunFacts) -> Finding | None:
    if not (f.unreadable_lines or f.jsonl_malformed or f.events_malformed or not f.log_present):
        return None
    what = "bot.log missing; " if not f.log_present else ""
    events = f", {f.events_malformed} malformed events.jsonl lines" if f.events_malformed else ""
    return Finding("unreadable_logs", f"{what}{f.unreadable_lines} unreadable bot.log lines, "
                   f"{f.jsonl_malformed} malformed ws_lighter.jsonl lines{events} (skipped)",
                   "A truncated or corrupted log (disk full, killed process): the counts above are "
                   "a lower bound.")


RULES: tuple[Callable[[RunFacts], Finding | None], ...] = (
    auth_token_expired, no_pong, nonce_errors, rate_limited, book_resync_storm, post_only_rejects,
    clock_skew, unexpected_frames, reconnects, hedge_failures, kill_switch, market_paused,
    run_incomplete,
    unreadable_logs)


def findings(f: RunFacts) -> list[Finding]:
    return [found for rule in RULES if (found := rule(f)) is not None]
