"""The hedge venues the tests run against: one VenueCase per supported ccxt id.

A case knows how to open an account on its local venue, which credentials the bot then needs,
and how to ask the venue (its /sim/state, or ccxt's own class) for the position in base units.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

import aiohttp
import ccxt.async_support as ccxt_async
from eth_account import Account

from hedge.adapters.hedging.ccxt_venue import CREDENTIAL_FIELDS
from hedge.adapters.hedging.urls import point_at
from hedge.infra.secret import Secret

# CcxtVenueSettings field -> (/sim/accounts field or None, environment variable)
_FIELDS = {"api_key": ("api_key", "HEDGE_API_KEY"), "api_secret": ("secret", "HEDGE_API_SECRET"),
           "passphrase": ("passphrase", "HEDGE_API_PASSPHRASE"),
           "wallet_address": ("wallet_address", "HEDGE_WALLET_ADDRESS"),
           "private_key": (None, "HEDGE_PRIVATE_KEY")}
_CCXT_NAME = {settings_field: attr for attr, settings_field in CREDENTIAL_FIELDS.items()}
# The local venues index an order at once unless a test sets their lookup-lag knob: a hedge
# venue in a test waits this long before its position proof, not the real venue's lag
# (bybit's 1.5 s).
LOOKUP_LAG_MS = 50


@dataclass(frozen=True)
class VenueCase:
    exchange_id: str
    symbol: str                      # ccxt unified symbol of ETH on this venue
    state_symbol: str                # the venue's own id of it, as /sim/state keys positions
    credentials: dict[str, str] = field(default_factory=dict)  # CcxtVenueSettings field -> value
    ccxt_options: dict = field(default_factory=dict)
    position_field: str = "amount"   # /sim/state's signed base amount of a position
    posts_field: str = "order_posts"                    # /sim/state: every order request
    executed_field: str = "executed_order_posts"        # /sim/state: those that executed

    def __str__(self) -> str:
        return self.exchange_id

    @property
    def account_key(self) -> str:
        """The key /sim/state files the account under."""
        return self.credentials.get("api_key") or self.credentials["wallet_address"].lower()

    def sim_account(self, balance: str = "100000") -> dict:
        body = {_FIELDS[k][0]: v for k, v in self.credentials.items() if _FIELDS[k][0]}
        return body | {"balance": balance}

    def settings(self) -> dict[str, Secret]:
        return {k: Secret(v) for k, v in self.credentials.items()}

    def env(self) -> dict[str, str]:
        return {_FIELDS[k][1]: v for k, v in self.credentials.items()}

    def with_credentials(self, **values: str) -> "VenueCase":
        return replace(self, credentials=values)

    async def counters(self, base_url: str) -> tuple[int, int]:
        """(order requests, executed ones) as the venue counted them."""
        state = await self.sim_state(base_url)
        return state[self.posts_field], state[self.executed_field]

    async def sim_state(self, base_url: str) -> dict:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base_url}/sim/state") as resp:
                return await resp.json()

    async def register(self, base_url: str, balance: str = "100000") -> None:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{base_url}/sim/accounts", json=self.sim_account(balance)) as resp:
                assert resp.status == 200, await resp.text()

    async def venue_position(self, base_url: str) -> Decimal:
        """Signed base position, from the venue's own book-keeping (/sim/state)."""
        account = (await self.sim_state(base_url))["accounts"][self.account_key]
        position = account["positions"].get(self.state_symbol, {})
        return Decimal(position.get(self.position_field, "0"))

    def ccxt_client(self, base_url: str):
        """ccxt's own class of this venue on the local venue (the caller closes it)."""
        config = {_CCXT_NAME[k]: v for k, v in self.credentials.items()}
        ex = getattr(ccxt_async, self.exchange_id)(config | {
            "enableRateLimit": False, "timeout": 3000,
            "options": {"fetchCurrencies": False, "adjustForTimeDifference": False,
                        **self.ccxt_options}})
        point_at(ex, base_url)
        return ex

    async def ccxt_position(self, base_url: str) -> Decimal:
        """Signed base position asked through ccxt: contracts x contractSize."""
        ex = self.ccxt_client(base_url)
        try:
            await ex.load_markets()
            size = Decimal(str(ex.market(self.symbol).get("contractSize") or 1))
            total = Decimal(0)
            for pos in await ex.fetch_positions([self.symbol]):
                contracts = Decimal(str(pos.get("contracts") or 0)) * size
                total += -contracts if pos.get("side") == "short" else contracts
            return total
        finally:
            await ex.close()


BINANCEUSDM = VenueCase("binanceusdm", "ETH/USDT:USDT", "ETHUSDT",
                        {"api_key": "hedge-case-key", "api_secret": "hedge-case-secret"},
                        {"fetchMarkets": {"types": ["linear"]}})
OKX = VenueCase("okx", "ETH/USDT:USDT", "ETH-USDT-SWAP",
                {"api_key": "okx-case-key", "api_secret": "okx-case-secret",
                 "passphrase": "OkxCasePass1"},
                {"fetchMarkets": {"types": ["swap"]}})
BYBIT = VenueCase("bybit", "ETH/USDT:USDT", "ETHUSDT",
                  {"api_key": "bybit-case-key", "api_secret": "bybit-case-secret"},
                  {"fetchMarkets": {"types": ["linear"]}, "defaultType": "swap",
                   "defaultSubType": "linear"})
_HL_WALLET = Account.from_key("0x" + "4c" * 32)   # a fixed test wallet, never funded anywhere
HYPERLIQUID = VenueCase("hyperliquid", "ETH/USDC:USDC", "ETH",
                        {"wallet_address": _HL_WALLET.address,
                         "private_key": "0x" + bytes(_HL_WALLET.key).hex()},
                        {"fetchMarkets": {"types": ["swap"]}, "builderFee": False, "refSet": True},
                        position_field="szi", posts_field="order_actions",
                        executed_field="executed_order_actions")

CASES = [BINANCEUSDM, OKX, BYBIT, HYPERLIQUID]
