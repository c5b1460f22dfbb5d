"""Paper mode's venues: both local venues in a child process, and an account on each.

The venues run in their own process (`python run.py sim`), as they would on another host, so
their book ticks and matching never share the bot's event loop, and the bot reaches them over
real sockets exactly as it reaches the real venues.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import re
import secrets
import signal
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import aiohttp
from lighter.signer_client import create_api_key

from hedge.infra.secret import Secret

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"^(lighter|hedge) sim ready (http://127\.0\.0\.1:\d+)$")
PAPER_API_KEY_INDEX = 4
_accounts = itertools.count(int.from_bytes(os.urandom(2), "big") + 100_000)


class PaperVenueError(RuntimeError):
    """The local venues did not start; the message says what they printed."""


@dataclass(frozen=True)
class PaperAccounts:
    lighter_account_index: int
    lighter_api_key_index: int
    lighter_private_key: Secret
    hedge_api_key: Secret
    hedge_api_secret: Secret
    hedge_api_passphrase: Secret = Secret("")
    hedge_wallet_address: Secret = Secret("")
    hedge_private_key: Secret = Secret("")


class PaperVenues:
    """`python run.py sim` as a child process; `lighter_url`/`hedge_url` once it is ready."""

    def __init__(self, seed: int, faults: str, hedge_exchange: str = "binanceusdm",
                 model_path: str | None = None) -> None:
        self.seed = seed
        self.faults = faults
        self.hedge_exchange = hedge_exchange
        # the venue process runs from the repository root: a relative path is the caller's
        self.model_args = ["--model", str(Path(model_path).resolve())] if model_path else []
        self.lighter_url = ""
        self.hedge_url = ""
        self._proc: asyncio.subprocess.Process | None = None

    async def start(self, timeout_s: float = 30.0) -> None:
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "run.py"), "sim", "--lighter-port", "0", "--hedge-port", "0",
            "--seed", str(self.seed), "--faults", self.faults,
            "--hedge-exchange", self.hedge_exchange, *self.model_args, cwd=str(ROOT),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await asyncio.wait_for(self._read_ready(), timeout_s)
        except (asyncio.TimeoutError, PaperVenueError):
            err = await self._stop_and_read_stderr()
            raise PaperVenueError(f"the local venues did not start within {timeout_s:.0f} s: "
                                  f"{err.strip()[-500:] or 'no output'}") from None

    async def _read_ready(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        while not (self.lighter_url and self.hedge_url):
            line = (await self._proc.stdout.readline()).decode().strip()
            if not line and self._proc.stdout.at_eof():
                raise PaperVenueError("the venue process exited")
            match = READY.match(line)
            if match and match.group(1) == "lighter":
                self.lighter_url = match.group(2)
            elif match:
                self.hedge_url = match.group(2)

    async def _stop_and_read_stderr(self) -> str:
        if self._proc is None:
            return ""
        if self._proc.returncode is None:
            self._proc.kill()
        _, err = await self._proc.communicate()
        return err.decode(errors="replace")

    async def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.communicate(), 10)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.communicate()


def _hedge_account(hedge_exchange: str, balance: Decimal) -> tuple[dict, dict[str, Secret]]:
    """The /sim/accounts body of the local hedge venue, and the credentials it stands for."""
    if hedge_exchange == "hyperliquid":
        from eth_account import Account  # only this venue signs with an eth key

        wallet = Account.create()
        return ({"wallet_address": wallet.address, "balance": str(balance)},
                {"hedge_wallet_address": Secret(wallet.address),
                 "hedge_private_key": Secret("0x" + wallet.key.hex().removeprefix("0x"))})
    key, secret = "paper-" + secrets.token_hex(8), secrets.token_hex(32)
    body = {"api_key": key, "secret": secret, "balance": str(balance)}
    creds = {"hedge_api_key": Secret(key), "hedge_api_secret": Secret(secret)}
    if hedge_exchange == "okx":
        passphrase = "Paper" + secrets.token_hex(6)
        body["passphrase"] = passphrase
        creds["hedge_api_passphrase"] = Secret(passphrase)
    return body, creds


async def register_paper_accounts(lighter_url: str, hedge_url: str,
                                  collateral: Decimal = Decimal(100_000),
                                  hedge_exchange: str = "binanceusdm",
                                  tier: str = "standard") -> PaperAccounts:
    """A fresh Lighter API key and hedge venue account, registered with the local venues;
    `tier` is the Lighter account tier (standard or premium)."""
    private, public, err = create_api_key()
    if err:
        raise PaperVenueError(f"could not generate a Lighter API key: {err}")
    account = next(_accounts)
    hedge_body, hedge_creds = _hedge_account(hedge_exchange, collateral)
    async with aiohttp.ClientSession() as http:
        for url, body in ((f"{lighter_url}/sim/accounts",
                           {"account_index": account, "api_key_index": PAPER_API_KEY_INDEX,
                            "public_key": public, "collateral": str(collateral), "tier": tier}),
                          (f"{hedge_url}/sim/accounts", hedge_body)):
            async with http.post(url, json=body) as resp:
                if resp.status != 200:
                    raise PaperVenueError(f"{url} refused the paper account: {await resp.text()}")
    return PaperAccounts(account, PAPER_API_KEY_INDEX, Secret(private),
                         hedge_creds.get("hedge_api_key", Secret("")),
                         hedge_creds.get("hedge_api_secret", Secret("")),
                         hedge_creds.get("hedge_api_passphrase", Secret("")),
                         hedge_creds.get("hedge_wallet_address", Secret("")),
                         hedge_creds.get("hedge_private_key", Secret("")))
