"""Run the real bot as a process against the local venues, and ask the venues what happened.

The venues run in the test's own event loop (the `venues` fixture) so they outlive the bot,
which is what a restart test needs; the bot reaches them by URL with keys registered through
/sim/accounts, exactly as an operator would run it against `python run.py sim`.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import lighter
import yaml
from lighter.signer_client import SignerClient, create_api_key

from hedge.infra.run_files import LOGS_DIR_ENV
from hedge.sim.lighter.app import LIGHTER_STATE
from tests.sim.ccxt_loopback import loopback_binanceusdm, register_account
from tests.sim.lighter_helpers import poll, register

ROOT = Path(__file__).resolve().parents[2]
ETH_MARKET = 0
HEDGE_SYMBOL = "ETH/USDT:USDT"
_accounts = itertools.count(920_001)


@dataclass
class BotAccount:
    lighter_url: str
    hedge_url: str
    account_index: int
    private_key: str
    hedge_key: str
    hedge_secret: str

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTER_", "HEDGE_"))}
        env.update(LIGHTER_ACCOUNT_INDEX=str(self.account_index), LIGHTER_API_KEY_INDEX="4",
                   LIGHTER_API_PRIVATE_KEY=self.private_key, HEDGE_API_KEY=self.hedge_key,
                   HEDGE_API_SECRET=self.hedge_secret)
        return env


async def register_bot(venues, tier: str | None = None) -> BotAccount:
    """A key on each venue; `tier` None leaves the Lighter tier to the venue (standard)."""
    private, public, err = create_api_key()
    assert err is None
    index = next(_accounts)
    await register(venues.lighter_url, index, 4, public, tier=tier)
    key, secret = f"bot-key-{index}", f"bot-secret-{index}-{os.urandom(8).hex()}"
    await register_account(venues.hedge_url, key, secret, balance="100000")
    return BotAccount(venues.lighter_url, venues.hedge_url, index, private, key, secret)


SWEEP_SLIPPAGE_BPS = 30   # see sweep_the_bid


def write_config(tmp_path: Path, account: BotAccount, **sections) -> Path:
    config = {
        "mode": "paper", "duration_s": 10,
        "lighter": {"url": account.lighter_url, "market": "ETH"},
        # 30 bp of slippage: `sweep_the_bid` jumps the hedge book by the bid's distance to the
        # mid plus 2 bp (~12 bp with the shipped pricing), more than the default 10 bp cap
        "hedge": {"exchange": "binanceusdm", "url": account.hedge_url, "symbol": HEDGE_SYMBOL,
                  "max_slippage_bps": SWEEP_SLIPPAGE_BPS},
        "strategy": {"order_size": "0.01", "max_position": "0.05", "min_quote_lifetime_ms": 200},
        "risk": {"max_unhedged_base": "0.05"},
        "logging": {"level": "INFO", "dir": str(tmp_path / "logs")},
    }
    for name, values in sections.items():
        if isinstance(values, dict):
            config.setdefault(name, {}).update(values)
        else:
            config[name] = values
    path = tmp_path / "bot.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


_outputs = itertools.count(1)
_started: list[subprocess.Popen] = []     # every bot process a test started (see kill_leftovers)


def kill_leftovers() -> int:
    """Kill the bot processes a test started and left running (a test that failed before its
    stop: a `duration_s: 0` bot would otherwise run until the machine stops). Returns how many."""
    left = [proc for proc in _started if proc.poll() is None]
    for proc in left:
        proc.kill()
        proc.wait()
    _started.clear()
    return len(left)


def start_bot(config: Path, account: BotAccount | None, *args: str,
              env: dict[str, str] | None = None) -> subprocess.Popen:
    """The bot as a process, with `account`'s keys (or `env` as given); its output goes to a
    file beside the config (a pipe nobody drains fills up and blocks the bot mid-run).
    `proc.stdout` / `proc.stderr` read that file."""
    out_path = config.parent / f"bot-{next(_outputs)}.out"
    with open(out_path, "w") as out:
        proc = subprocess.Popen([sys.executable, "run.py", "run", "--config", str(config), *args],
                                cwd=ROOT, env=env if env is not None else account.env(),
                                stdout=out, stderr=subprocess.STDOUT)
    _started.append(proc)
    proc.stdout = open(out_path, encoding="utf-8", errors="replace")   # noqa: SIM115
    proc.stderr = open(out_path, encoding="utf-8", errors="replace")   # noqa: SIM115
    return proc


async def run_in_process(config: Path, account: BotAccount, monkeypatch, *,
                         report: bool = False, **overrides) -> int:
    """The bot in the test's own event loop, through `run_bot` (the entry point `python run.py
    run` calls), with `account`'s keys in the environment; returns its exit code. The venues
    (the shared pair) run in their own thread's loop, so they go on serving while the bot
    waits. `report` writes report.html at the end as the CLI does; `overrides` as
    `load_config`'s ({"duration_s": 5})."""
    from hedge.app.run_command import run_bot
    from hedge.cli.main import _build_report
    from hedge.infra.config import load_config

    for key, value in account.env().items():
        if key.startswith(("LIGHTER_", "HEDGE_")) and value:   # "" leaves the test's own
            monkeypatch.setenv(key, value)
    monkeypatch.delenv(LOGS_DIR_ENV, raising=False)
    loaded = load_config(config, overrides)
    return await run_bot(loaded, accounts_path=config.parent / "no-accounts.toml",
                         after_run=_build_report if report else None)


class BotRun:
    """A bot running in the test's own loop (`start_in_process`). `stop()` does what SIGTERM
    does to `python run.py run`: it calls the handler the run installed for it (held here,
    not in the worker's real signal table, so a signal after the run can never hit pytest)."""

    def __init__(self, task: asyncio.Task, handlers: dict) -> None:
        self.task = task
        self._handlers = handlers

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """The stop signal, if the run still listens for it (it ended otherwise)."""
        if sig in self._handlers:
            callback, args = self._handlers[sig]
            callback(*args)

    def poll(self) -> int | None:
        """The exit code once the run ended, else None."""
        return self.task.result() if self.task.done() else None

    async def wait(self, timeout_s: float) -> int:
        try:
            return await asyncio.wait_for(asyncio.shield(self.task), timeout_s)
        except asyncio.TimeoutError:
            self.task.cancel()
            raise AssertionError(f"bot did not stop within {timeout_s}s") from None


async def start_in_process(config: Path, account: BotAccount, monkeypatch, **kwargs) -> BotRun:
    """`run_in_process` as a task: the test watches the venues meanwhile and stops the run with
    `stop()` (its SIGTERM) where a process test would signal the process."""
    loop = asyncio.get_running_loop()
    handlers: dict = {}

    def add_signal_handler(sig, callback, *args):
        handlers[sig] = (callback, args)

    def remove_signal_handler(sig) -> bool:
        return handlers.pop(sig, None) is not None
    monkeypatch.setattr(loop, "add_signal_handler", add_signal_handler)
    monkeypatch.setattr(loop, "remove_signal_handler", remove_signal_handler)
    task = asyncio.create_task(run_in_process(config, account, monkeypatch, **kwargs),
                               name="bot-in-process")
    return BotRun(task, handlers)


async def wait_exit(proc: subprocess.Popen, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None:
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"bot did not exit within {timeout_s}s")
        await asyncio.sleep(0.1)
    return proc.returncode


async def wait_for_log(logs_dir: Path, pattern: str, timeout_s: float) -> str:
    """The first bot.log line of the newest run matching `pattern`."""
    regex = re.compile(pattern)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        latest = logs_dir / "latest" / "bot.log"
        if latest.exists():
            for line in latest.read_text(errors="replace").splitlines():
                if regex.search(line):
                    return line
        await asyncio.sleep(0.05)
    raise AssertionError(f"no bot.log line matching {pattern!r} within {timeout_s}s")


async def sweep_the_bid(venues, pins: dict[str, float], account_index: int,
                        swept: set[int] | None = None, market: int = ETH_MARKET,
                        asset: str = "ETH", timeout_s: float = 60) -> int:
    """Once a bid of the bot rests on the Lighter venue (one not in `swept`), move the pinned
    mid (`freeze_prices`) 2 bp below it: the venue's next tick trades the bid, so the run has a
    fill whatever the price path and the taker flow would have done. The hedge venue's book
    moves with it, by the bid's distance to the mid plus 2 bp: a run that sweeps allows
    `SWEEP_SLIPPAGE_BPS` (a jump beyond the cap would leave the IOC hedge, priced on the book
    of a moment before, unfilled). Returns the swept bid's order index (add it to `swept` for
    the next)."""
    lighter = venues.lighter_app[LIGHTER_STATE]
    swept = swept or set()

    def fresh_bid():
        account = lighter.accounts.get(account_index)
        # a bid the model's takers filled before this poll saw it rest counts too
        bids = [o for o in (account.orders.values() if account else [])
                if o.market_index == market and not o.is_ask and o.order_index not in swept
                and (o.live or o.filled > 0)]
        return bids[0] if bids else None

    bid = await poll(fresh_bid, timeout=timeout_s, step=0.05)
    pins[asset] = float(lighter.markets[market].price(bid.price)) * (1 - 0.0002)
    return bid.order_index


async def lighter_state(account: BotAccount, market: int = ETH_MARKET) -> tuple[Decimal, int]:
    """(signed position, resting orders) on `market` (ETH unless told), asked of the Lighter
    venue through the SDK."""
    client = SignerClient(url=account.lighter_url, account_index=account.account_index,
                          api_private_keys={4: account.private_key})
    try:
        token, err = client.create_auth_token_with_expiry(api_key_index=4)
        assert err is None
        api = lighter.ApiClient(configuration=lighter.Configuration(host=account.lighter_url))
        try:
            orders = await lighter.OrderApi(api).account_active_orders(
                account_index=account.account_index, market_id=market, authorization=token)
            accounts = await lighter.AccountApi(api).account(by="index", value=str(account.account_index))
        finally:
            await api.close()
    finally:
        await client.close()
    position = Decimal(0)
    for pos in accounts.accounts[0].positions or []:
        if pos.market_id == market:
            position = Decimal(int(pos.sign)) * Decimal(str(pos.position))
    return position, len(orders.orders or [])


async def hedge_position(account: BotAccount, symbol: str = HEDGE_SYMBOL) -> Decimal:
    """Signed position in `symbol` (ETH unless told) on the hedge venue, through ccxt's
    binanceusdm class."""
    ex = loopback_binanceusdm(account.hedge_url, account.hedge_key, account.hedge_secret)
    try:
        total = Decimal(0)
        for pos in await ex.fetch_positions([symbol]):
            size = Decimal(str(pos.get("contracts") or 0))
            total += -size if pos.get("side") == "short" else size
        return total
    finally:
        await ex.close()


def run_files(logs_dir: Path) -> list[Path]:
    return [p for p in (logs_dir / "latest").resolve().rglob("*") if p.is_file()]
