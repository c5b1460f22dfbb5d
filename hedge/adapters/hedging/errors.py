"""What a hedge does next after each error ccxt can raise on create_order.

The one rule that matters: an outcome we cannot know (timeout, 5xx, dropped connection) is
LOOKUP, never a blind resend. The venue only rejects duplicate client ids among OPEN orders,
and an IOC is never open for long, so a resend after an unseen fill fills twice.
"""
from __future__ import annotations

import asyncio
import enum

import aiohttp
from ccxt.base import errors as ccxt_errors


class HedgeErrorAction(enum.Enum):
    RETRY = "retry"      # not executed: back off, send again under the same client id
    LOOKUP = "lookup"    # outcome unknown: look the order up by client id before anything else
    GIVE_UP = "give_up"  # definitively rejected: report, do not resend as is
    HALT = "halt"        # credentials or setup broken: stop hedging, trip the kill switch


# Most specific first: the first class in an error's MRO found here decides.
_ACTIONS: dict[type, HedgeErrorAction] = {
    ccxt_errors.DDoSProtection: HedgeErrorAction.RETRY,
    ccxt_errors.RateLimitExceeded: HedgeErrorAction.RETRY,
    ccxt_errors.InvalidNonce: HedgeErrorAction.RETRY,        # clock outside recvWindow: rejected
    ccxt_errors.OnMaintenance: HedgeErrorAction.LOOKUP,
    ccxt_errors.ExchangeNotAvailable: HedgeErrorAction.LOOKUP,  # unless the connect was refused
    ccxt_errors.RequestTimeout: HedgeErrorAction.LOOKUP,
    ccxt_errors.NetworkError: HedgeErrorAction.LOOKUP,
    ccxt_errors.BadResponse: HedgeErrorAction.LOOKUP,
    ccxt_errors.CancelPending: HedgeErrorAction.LOOKUP,
    ccxt_errors.OperationFailed: HedgeErrorAction.LOOKUP,     # -1001 and friends
    ccxt_errors.DuplicateOrderId: HedgeErrorAction.LOOKUP,    # an order under our id is open
    ccxt_errors.AuthenticationError: HedgeErrorAction.HALT,
    ccxt_errors.ExchangeClosedByUser: HedgeErrorAction.HALT,
    ccxt_errors.InvalidProxySettings: HedgeErrorAction.HALT,
    ccxt_errors.NotSupported: HedgeErrorAction.HALT,
    ccxt_errors.InsufficientFunds: HedgeErrorAction.GIVE_UP,
    ccxt_errors.InvalidOrder: HedgeErrorAction.GIVE_UP,
    ccxt_errors.BadRequest: HedgeErrorAction.GIVE_UP,
    ccxt_errors.ArgumentsRequired: HedgeErrorAction.GIVE_UP,
    ccxt_errors.OperationRejected: HedgeErrorAction.GIVE_UP,
    ccxt_errors.InvalidAddress: HedgeErrorAction.GIVE_UP,
    ccxt_errors.ExchangeError: HedgeErrorAction.GIVE_UP,      # the venue answered with a refusal
    ccxt_errors.UnsubscribeError: HedgeErrorAction.GIVE_UP,
    ccxt_errors.BaseError: HedgeErrorAction.LOOKUP,
}


def _never_sent(exc: BaseException) -> bool:
    """True when the TCP connect itself failed: the request never reached the venue."""
    cause = exc.__cause__ or exc.__context__
    return isinstance(cause, (aiohttp.ClientConnectorError, ConnectionRefusedError))


def classify_create_error(exc: BaseException) -> HedgeErrorAction:
    """The action for an exception raised by create_order (anything unknown is LOOKUP)."""
    if isinstance(exc, ccxt_errors.ExchangeNotAvailable) and _never_sent(exc):
        return HedgeErrorAction.RETRY
    if isinstance(exc, asyncio.TimeoutError):
        return HedgeErrorAction.LOOKUP
    for cls in type(exc).__mro__:
        if cls in _ACTIONS:
            return _ACTIONS[cls]
    return HedgeErrorAction.LOOKUP
