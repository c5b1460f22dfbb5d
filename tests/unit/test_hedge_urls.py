"""Pointing ccxt at another host: every URL moves, nothing escapes, futures errors still map."""
from __future__ import annotations

import ccxt.async_support as ccxt_async
import pytest

from hedge.adapters.hedging.urls import HedgeUrlError, point_at, url_leaves


@pytest.mark.parametrize("exchange_id", ["binanceusdm", "bybit", "okx", "hyperliquid"])
async def test_every_api_url_is_rewritten_onto_the_base(exchange_id):
    ex = getattr(ccxt_async, exchange_id)()
    try:
        point_at(ex, "http://127.0.0.1:8711")
        leaves = list(url_leaves(ex.urls["api"]))
        assert leaves
        assert all(leaf.startswith(("http://127.0.0.1:8711", "ws://127.0.0.1:8711")) for leaf in leaves)
    finally:
        await ex.close()


async def test_paths_are_kept():
    ex = ccxt_async.binanceusdm()
    try:
        point_at(ex, "http://127.0.0.1:8711")
        assert ex.urls["api"]["fapiPrivateV3"] == "http://127.0.0.1:8711/fapi/v3"
        assert ex.urls["api"]["sapi"] == "http://127.0.0.1:8711/sapi/v1"
    finally:
        await ex.close()


async def test_futures_error_codes_map_off_the_real_host():
    ex = ccxt_async.binanceusdm()
    try:
        point_at(ex, "http://127.0.0.1:8711")
        assert ex.exceptions["exact"]["-2019"].__name__ == "InsufficientFunds"
    finally:
        await ex.close()


@pytest.mark.parametrize("bad", ["127.0.0.1:8711", "ftp://127.0.0.1", "sim-host"])
async def test_a_base_that_is_not_a_url_is_refused_with_the_fix(bad):
    ex = ccxt_async.binanceusdm()
    try:
        with pytest.raises(HedgeUrlError, match="http\\(s\\) base URL"):
            point_at(ex, bad)
    finally:
        await ex.close()
