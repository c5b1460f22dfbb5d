"""Every error class ccxt can raise on create_order maps to retry, lookup, give up or halt."""
from __future__ import annotations

import asyncio
import inspect

import aiohttp
import pytest
from ccxt.base import errors as ccxt_errors

from hedge.adapters.hedging.errors import HedgeErrorAction, classify_create_error

R, L, G, H = (HedgeErrorAction.RETRY, HedgeErrorAction.LOOKUP, HedgeErrorAction.GIVE_UP,
              HedgeErrorAction.HALT)

EXPECTED = {
    "BaseError": L, "ExchangeError": G, "AuthenticationError": H, "PermissionDenied": H,
    "AccountNotEnabled": H, "AccountSuspended": H, "ArgumentsRequired": G, "BadRequest": G,
    "BadSymbol": G, "OperationRejected": G, "NoChange": G, "MarginModeAlreadySet": G,
    "MarketClosed": G, "ManualInteractionNeeded": G, "RestrictedLocation": G,
    "InsufficientFunds": G, "InvalidAddress": G, "AddressPending": G, "InvalidOrder": G,
    "OrderNotFound": G, "OrderNotCached": G, "OrderImmediatelyFillable": G, "OrderNotFillable": G,
    "DuplicateOrderId": L, "ContractUnavailable": G, "NotSupported": H, "InvalidProxySettings": H,
    "ExchangeClosedByUser": H, "OperationFailed": L, "NetworkError": L, "DDoSProtection": R,
    "RateLimitExceeded": R, "ExchangeNotAvailable": L, "OnMaintenance": L, "InvalidNonce": R,
    "ChecksumError": R, "RequestTimeout": L, "BadResponse": L, "NullResponse": L,
    "CancelPending": L, "UnsubscribeError": G,
}


def _all_ccxt_error_classes():
    return {name: cls for name, cls in vars(ccxt_errors).items()
            if inspect.isclass(cls) and issubclass(cls, ccxt_errors.BaseError)}


def test_every_ccxt_error_class_has_a_decided_action():
    classes = _all_ccxt_error_classes()
    # A new ccxt error class must be decided here, not fall through silently.
    assert set(classes) == set(EXPECTED), set(classes) ^ set(EXPECTED)
    for name, cls in classes.items():
        assert classify_create_error(cls("x")) is EXPECTED[name], name


def test_refused_connection_was_never_sent_so_it_is_retried():
    refused = ccxt_errors.ExchangeNotAvailable("binanceusdm POST http://127.0.0.1:1/fapi/v1/order")
    key = aiohttp.client_reqrep.ConnectionKey("127.0.0.1", 1, False, None, None, None, None)
    refused.__cause__ = aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "refused"))
    assert classify_create_error(refused) is R


def test_dropped_connection_after_send_is_looked_up():
    dropped = ccxt_errors.ExchangeNotAvailable("binanceusdm POST ... Server disconnected")
    dropped.__cause__ = aiohttp.ServerDisconnectedError()
    assert classify_create_error(dropped) is L


@pytest.mark.parametrize("exc", [asyncio.TimeoutError(), RuntimeError("surprise")])
def test_anything_unknown_is_looked_up_never_resent(exc):
    assert classify_create_error(exc) is L
