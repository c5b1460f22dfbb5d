"""The Hyperliquid-compatible hedge venue: the one hedge-venue simulator with Hyperliquid's wire
(`POST /info`, `POST /exchange`, EIP-712 signers); ccxt's own `hyperliquid` class trades against
it unchanged.

Unknown paths and bugs answer a plain-text 404 or 500; a body that does not deserialize is HTTP
422 in plain text; a refused action is `{"status": "err", "response": message}` with HTTP 200.
Only `order` actions draw the order faults; the Binance-only kinds map to their nearest answer
(418 to 429, -1001 to a 502 page).
"""
from __future__ import annotations

import json
import random
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from hedge.sim.faults import HedgeFaults
from hedge.sim.hedge_venue.app import build_venue_app, log_bug
from hedge.sim.hedge_venue.control import AccountForm
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY, LISTENER_KEY
from hedge.sim.hedge_venue.order_faults import FaultAnswers, gateway_page, gated_order
from hedge.sim.hyperliquid.auth import USER_SIGNED_TYPES, SignatureError, l1_signer, \
    user_signed_signer
from hedge.sim.hyperliquid.info import read_info, unprocessable
from hedge.sim.hyperliquid.markets import BY_ASSET
from hedge.sim.hyperliquid.orders import (DESERIALIZE_FAILED, ActionError, WireError,
                                          cancel_orders, place_orders)
from hedge.sim.hyperliquid.state import HlAccount as Account, HyperliquidState
from hedge.sim.price import PriceProcess

__all__ = ["build_app", "LISTENER_KEY", "HL_STATE_KEY", "HyperliquidState"]

HL_STATE_KEY = HEDGE_STATE_KEY
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
ACCOUNT_FORM = AccountForm(
    key="wallet_address", required=(), optional=("agent_address",), position_modes=False,
    check=lambda name, value: (None if ADDRESS.fullmatch(value)
                               else "is not an address (0x<40 hex>)"),
    normalize=str.lower)


def map_error(request: web.Request, exc: Exception) -> web.Response:
    if isinstance(exc, web.HTTPException):
        return web.Response(status=exc.status, text=exc.reason, content_type="text/plain")
    log_bug(request, "hyperliquid")
    return web.Response(status=500, text="Internal Server Error", content_type="text/plain")


async def info(request: web.Request) -> web.StreamResponse:
    try:
        body = json.loads(await request.read())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return unprocessable()
    state = request.app[HEDGE_STATE_KEY]
    state.requests.append(f"info:{body.get('type') if isinstance(body, dict) else '?'}")
    answer = read_info(state, body)
    return answer if isinstance(answer, web.StreamResponse) else web.json_response(answer)


NONCE_PAST_MS = 2 * 86_400_000
NONCE_FUTURE_MS = 86_400_000
NONCES_KEPT = 100
MAX_BUILDER_FEE = Decimal("0.001")     # 0.1% on perps


def ok(response_type: str = "default", data: Any = None) -> web.Response:
    inner: dict = {"type": response_type}
    if data is not None:
        inner["data"] = data
    return web.json_response({"status": "ok", "response": inner})


def err(message: str) -> web.Response:
    return web.json_response({"status": "err", "response": message})


# 429 (and the Binance-only 418) answer HTTP 429; -1001 maps to its nearest answer, a 502 page.
FAULT_ANSWERS = FaultAnswers(lambda kind, now: (
    web.Response(status=429, text="null", content_type="application/json")
    if kind in ("429", "418") else gateway_page(502, "Bad Gateway") if kind == "-1001" else None))


def _use_nonce(account: Account, nonce: int, now: int) -> str | None:
    """Hyperliquid keeps the 100 highest nonces per signer; each must be new and recent."""
    if not now - NONCE_PAST_MS < nonce < now + NONCE_FUTURE_MS:
        return f"Invalid nonce: {nonce} is outside the accepted time window"
    if nonce in account.nonces or (len(account.nonces) >= NONCES_KEPT
                                   and nonce < min(account.nonces)):
        return f"Invalid nonce: duplicate nonce {nonce}"
    account.nonces.add(nonce)
    if len(account.nonces) > NONCES_KEPT:
        account.nonces.discard(min(account.nonces))
    return None


def _max_fee_rate(raw: Any) -> Decimal:
    if not isinstance(raw, str) or not raw.endswith("%"):
        raise ActionError("Invalid max fee rate.")
    try:
        rate = Decimal(raw[:-1]) / 100
    except InvalidOperation:
        raise ActionError("Invalid max fee rate.") from None
    if not rate.is_finite() or rate < 0 or rate > MAX_BUILDER_FEE:
        raise ActionError("Builder max fee rate exceeds the 0.1% perp limit.")
    return rate


def _user_signed(state: HyperliquidState, body: dict, now: int) -> web.Response:
    action = body["action"]
    signer = user_signed_signer(action, body.get("signature"))
    account = state.accounts.get(signer)
    if account is None:
        if signer in state.agents:
            return err("Must be signed by the main wallet, not an agent.")
        return err(f"User or API Wallet {signer} does not exist.")
    if action.get("hyperliquidChain") != "Mainnet":
        return err("Invalid hyperliquidChain for this venue: expected Mainnet.")
    problem = _use_nonce(account, body["nonce"], now)
    if problem:
        return err(problem)
    builder = action.get("builder")
    if not isinstance(builder, str):
        raise WireError(DESERIALIZE_FAILED)
    account.builder_max_fee[builder.lower()] = _max_fee_rate(action.get("maxFeeRate"))
    return ok()


def _acting_account(state: HyperliquidState, body: dict, signer: str) -> Account | str:
    account = state.account_of_signer(signer)
    if account is None:
        return f"User or API Wallet {signer} does not exist."
    vault = body.get("vaultAddress")
    if vault is None:
        return account
    if not isinstance(vault, str):
        raise WireError(DESERIALIZE_FAILED)
    target = state.accounts.get("0x" + vault.lower().removeprefix("0x"))
    if target is None or signer not in (target.wallet, target.agent):
        return f"Vault 0x{vault.removeprefix('0x')} is not traded by {signer}."
    return target


async def _order(request: web.Request, state: HyperliquidState, account: Account,
                 action: dict, now: int) -> web.StreamResponse:
    def execute() -> web.Response:
        executed = state.executed_order_posts      # counted per action here, not per order
        try:
            response = ok("order", {"statuses": place_orders(state, account, action, now)})
        except ActionError as exc:
            return err(str(exc))
        state.executed_order_posts = executed + 1
        return response
    return await gated_order(request, FAULT_ANSWERS, execute)


def _update_leverage(account: Account, action: dict) -> web.Response:
    perp = BY_ASSET.get(action.get("asset"))   # type: ignore[arg-type]
    leverage = action.get("leverage")
    if perp is None or not isinstance(leverage, int) or isinstance(leverage, bool):
        raise WireError(DESERIALIZE_FAILED)
    if action.get("isCross") is not True:
        return err("Isolated margin is not served by the local venue; use cross.")
    if not 1 <= leverage <= perp.max_leverage:
        return err(f"Invalid leverage value. Max leverage for {perp.name} is "
                   f"{perp.max_leverage}.")
    account.leverage[perp.name] = leverage
    return ok()


async def exchange(request: web.Request) -> web.StreamResponse:
    """POST /exchange: recover the signer, check the nonce, then run the action."""
    state = request.app[HEDGE_STATE_KEY]
    try:
        body = json.loads(await request.read())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return unprocessable()
    if (not isinstance(body, dict) or not isinstance(body.get("action"), dict)
            or not isinstance(body.get("nonce"), int) or isinstance(body["nonce"], bool)):
        return unprocessable()
    now, action = state.now_ms(), body["action"]
    kind = action.get("type")
    state.requests.append(f"exchange:{kind}")
    try:
        if kind in USER_SIGNED_TYPES:
            return _user_signed(state, body, now)
        expires_after = body.get("expiresAfter")
        if expires_after is not None and not isinstance(expires_after, int):
            return unprocessable()
        if expires_after is not None and expires_after < now:
            return err(f"Action expired: expiresAfter {expires_after} is in the past.")
        vault = body.get("vaultAddress")
        signer = l1_signer(action, body["nonce"], vault if isinstance(vault, str) else None,
                           expires_after, body.get("signature"))
        account = _acting_account(state, body, signer)
        if isinstance(account, str):
            return err(account)
        if kind not in ("order", "cancel", "cancelByCloid", "updateLeverage", "setReferrer"):
            return unprocessable()
        problem = _use_nonce(account, body["nonce"], now)
        if problem:
            return err(problem)
        if kind == "order":
            return await _order(request, state, account, action, now)
        if kind in ("cancel", "cancelByCloid"):
            return ok("cancel", {"statuses": cancel_orders(account, action, now)})
        if kind == "updateLeverage":
            return _update_leverage(account, action)
        account.referrer = str(action.get("code"))
        return ok()
    except (WireError, SignatureError):
        return unprocessable()
    except ActionError as exc:
        return err(str(exc))


def add_routes(app: web.Application) -> None:
    app.router.add_post("/info", info)
    app.router.add_post("/exchange", exchange)


def build_app(prices: PriceProcess, faults: HedgeFaults, seed: int) -> web.Application:
    state = HyperliquidState(prices, faults, random.Random(f"{seed}:hyperliquid"))
    return build_venue_app(state, map_error, add_routes, ACCOUNT_FORM)
