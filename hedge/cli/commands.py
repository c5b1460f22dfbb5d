"""The commands beside the bot: diagnose, replay, markets, canary, each built from the config.

Each returns the process exit code; user mistakes raise one of USER_MISTAKES, which the CLI
turns into one line on stderr and exit 2.
"""
from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import AsyncIterator

from hedge.app.paper import PaperVenueError, PaperVenues
from hedge.app.session import SessionError, open_session
from hedge.adapters.lighter.markets import UnknownMarketError
from hedge.adapters.lighter.order_client import LighterKeyError
from hedge.adapters.lighter.rest import LighterRest
from hedge.diagnostics.canary import CanaryOptions, CanaryReport, CanaryVenues, run_canary
from hedge.diagnostics.diagnose_command import RunDirError, run_diagnose
from hedge.diagnostics.replay import render_text, replay_path
from hedge.infra.config_schema import BotConfig
from hedge.infra.credentials import CredentialsError
from hedge.infra.logs import setup_logging

USER_MISTAKES = (RunDirError, FileNotFoundError, SessionError, UnknownMarketError, LighterKeyError,
                 CredentialsError, PaperVenueError, IsADirectoryError, PermissionError)


def diagnose(run_dir: str, as_json: bool) -> int:
    return run_diagnose(run_dir, as_json)


def replay(path: str, as_json: bool) -> int:
    report = replay_path(path)
    print(json.dumps(report.to_dict(), indent=2) if as_json else render_text(path, report))
    return 0


async def markets(config: BotConfig) -> int:
    setup_logging(None, "WARNING")
    venues = None
    url = config.lighter.base_url
    if config.lighter.is_sim:
        venues = PaperVenues(config.sim.seed, config.sim.faults)
        await venues.start()
        url = venues.lighter_url
    try:
        async with LighterRest(url) as rest:
            catalog = await rest.markets()
    except Exception as exc:  # unreachable venue: one line, not a traceback
        raise SessionError(f"cannot read Lighter markets from {url}: {type(exc).__name__}: {exc}") from None
    finally:
        if venues is not None:
            await venues.stop()
    rows = [("symbol", "id", "tick", "lot", "min_base", "min_quote", "status")]
    for s in sorted((catalog.by_symbol(sym) for sym in catalog.symbols()), key=lambda s: s.market_id):
        rows.append((s.symbol, str(s.market_id), str(s.tick_size), str(s.lot_size), str(s.min_base),
                     str(s.min_quote), s.status))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


async def canary_report(config: BotConfig, options: CanaryOptions | None = None,
                        accounts_path: str | Path = "config/accounts.toml") -> CanaryReport:
    """The canary on the config's first market (see `canary_reports`)."""
    return (await canary_reports(config, options, accounts_path,
                                 [config.trading_markets[0].lighter_market]))[0]


async def canary_reports(config: BotConfig, options: CanaryOptions | None = None,
                         accounts_path: str | Path = "config/accounts.toml",
                         markets: list[str] | None = None) -> list[CanaryReport]:
    """The canary on each of `markets` (Lighter symbols; None: every market of the config),
    one after the other in one session against the configured venues (in paper mode, the
    local ones it starts)."""
    by_symbol = {m.lighter_market: m for m in config.trading_markets}
    wanted = markets or list(by_symbol)
    unknown = [symbol for symbol in wanted if symbol not in by_symbol]
    if unknown:
        raise UnknownMarketError(f"--markets {', '.join(unknown)}: not a market of this config "
                                 f"(its markets: {', '.join(by_symbol)}); name those or add them "
                                 f"to markets: in the config")
    session = await open_session(config, accounts_path)
    reports = []
    try:
        specs = {spec.symbol: spec for spec in session.specs}
        for symbol in wanted:

            @contextlib.asynccontextmanager
            async def connect(symbol=symbol) -> AsyncIterator[CanaryVenues]:
                yield CanaryVenues(
                    lighter_url=session.lighter_url, spec=specs[symbol],
                    account_index=session.account_index, orders=session.orders,
                    rest=session.rest, hedge=session.hedge, hedge_exchange=config.hedge.exchange,
                    hedge_symbol=by_symbol[symbol].hedge_symbol,
                    auth_token_lifetime_s=config.lighter.auth_token_lifetime_s)
            reports.append(await run_canary(connect, symbol, options))
    finally:
        await session.close()
    return reports


async def canary(config: BotConfig, out: str | None, options: CanaryOptions | None = None,
                 markets: list[str] | None = None) -> int:
    """One market: its report as before; several: every market's report and their verdict."""
    setup_logging(None, "WARNING")
    reports = await canary_reports(config, options, markets=markets)
    passed = all(report.compliance_pass for report in reports)
    shown = (reports[0].to_dict() if len(reports) == 1 else
             {"compliance_pass": passed, "markets": [report.to_dict() for report in reports]})
    text = json.dumps(shown, indent=2)
    print(text)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n", encoding="utf-8")
    return 0 if passed else 1
