"""How one sendTx answer becomes what the transaction lane acts on: accepted with its hash and
volume quota, refused with Lighter's own code, rate limited (the budget cools down), out of
volume quota (not a rate limit), timed out (the nonce is suspect), or unreachable. The venue's
words are redacted before anyone reads them."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import orjson
import pytest
from lighter.exceptions import ApiException
from lighter.signer_client import create_api_key

from hedge.adapters.lighter.order_client import (LighterOrderClient, _error_body,
                                                 _quota_in_body)
from hedge.adapters.lighter.request_budget import Priority, RequestBudget
from hedge.infra import events
from hedge.infra.secret import Secret

UNUSED_URL = "http://127.0.0.1:9"      # nothing is sent: send_tx is replaced


class Clock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


@pytest.fixture
async def client():
    private, _, err = create_api_key()
    assert err is None
    clock = Clock()
    orders = LighterOrderClient(UNUSED_URL, 17, 4, Secret(private), catalog=None,
                                budget=RequestBudget("standard", clock=clock),
                                rate_limit_backoff_s=0.25, call_timeout_s=0.001)
    orders.test_clock, orders.test_key = clock, private
    try:
        yield orders
    finally:
        await orders.close()


def answer_with(orders, result) -> None:
    async def send_tx(tx_type, tx_info):
        if isinstance(result, BaseException):
            raise result
        if result == "never":
            await asyncio.Event().wait()
        return result
    orders._client.send_tx = send_tx


def refusal(status: int, body: dict | bytes | None, reason: str = "Bad Request") -> ApiException:
    raw = orjson.dumps(body).decode() if isinstance(body, dict) else body
    return ApiException(status=status, reason=reason, body=raw)


async def test_an_accepted_transaction_keeps_its_hash_and_the_quota_left(client):
    answer_with(client, SimpleNamespace(code=200, message=None, tx_hash="0xabc",
                                        volume_quota_remaining="41"))
    answer = await client._send(14, "{}")
    assert (answer.code, answer.message, answer.tx_hash, answer.quota) == (200, "", "0xabc", 41)
    assert not (answer.rate_limited or answer.timed_out)
    assert client.counters.volume_quota_remaining == 41
    answer_with(client, SimpleNamespace(code=200, message="ok", tx_hash=None))
    answer = await client._send(14, "{}")
    assert (answer.message, answer.tx_hash, answer.quota) == ("ok", "", None)
    assert client.counters.volume_quota_remaining == 41           # not reported: kept


async def test_a_refusal_carries_lighters_code_and_words(client):
    answer_with(client, refusal(400, {"code": 21706, "message": "invalid nonce"}))
    answer = await client._send(14, "{}")
    assert (answer.code, answer.message, answer.rate_limited) == (21706, "invalid nonce", False)
    assert client.counters.rate_limited == 0


@pytest.mark.parametrize("exc", [refusal(429, {"code": 429, "message": "Too Many Requests"}),
                                 refusal(400, {"code": 23000, "message": "too many requests"})])
async def test_a_rate_limit_cools_the_budget_down_and_is_reported(client, exc, monkeypatch):
    seen = []
    monkeypatch.setattr(events, "emit", lambda event, market="", **f: seen.append((event, f)))
    answer_with(client, exc)
    answer = await client._send(14, "{}")
    assert answer.rate_limited and not answer.timed_out
    body = orjson.loads(exc.body)
    assert (answer.code, answer.message) == (body["code"], body["message"])
    assert client.counters.rate_limited == 1 and client.budget.stats.rate_limited == 1
    assert seen == [(events.RATE_LIMITED, {"venue": "lighter", "endpoint": "sendTx",
                                           "code": answer.code})]
    budget, clock = client.budget, client.test_clock
    clock.now_s = 100.99                                  # 4 x the 0.25 s backoff
    assert not budget.try_acquire("sendTx", Priority.QUOTE)
    assert budget.try_acquire("account", Priority.SAFETY)  # fill safety goes on
    clock.now_s = 101.0
    assert budget.try_acquire("sendTx", Priority.QUOTE)


async def test_an_exhausted_volume_quota_is_not_a_rate_limit(client):
    answer_with(client, refusal(429, {"code": 21739, "message": "Volume Quota exceeded",
                                      "volume_quota_remaining": 0}))
    client.counters.volume_quota_remaining = 50
    answer = await client._send(14, "{}")
    assert (answer.code, answer.quota, answer.rate_limited) == (21739, 0, False)
    assert answer.message == "Volume Quota exceeded"
    assert client.counters.volume_quota_remaining == 0 and client.counters.rate_limited == 0
    key = client.test_key
    answer_with(client, refusal(400, {"code": 21739, "message": f"volume quota exceeded ({key})",
                                      "volume_quota_remaining": 3}))
    answer = await client._send(14, "{}")
    assert answer.quota == 3 == client.counters.volume_quota_remaining
    assert answer.message == "volume quota exceeded (<redacted>)"


async def test_no_answer_in_time_is_a_timeout_that_marks_the_nonce(client):
    answer_with(client, "never")
    answer = await client._send(14, "{}")
    assert (answer.code, answer.message, answer.timed_out) == (None, "timeout after 0.001 s", True)


async def test_an_unreachable_venue_is_named_without_a_code(client):
    answer_with(client, ConnectionRefusedError("connection refused"))
    answer = await client._send(14, "{}")
    assert (answer.code, answer.message) == (None, "ConnectionRefusedError: connection refused")
    assert not (answer.timed_out or answer.rate_limited)


async def test_the_venues_words_are_redacted(client):
    key = client.test_key
    answer_with(client, refusal(400, {"code": 21120, "message": f"bad signature for {key}"}))
    answer = await client._send(14, "{}")
    assert key not in answer.message and answer.message.startswith("bad signature for ")
    answer_with(client, SimpleNamespace(code=200, message=f"echo {key}", tx_hash="0x1"))
    assert key not in (await client._send(14, "{}")).message


def test_an_error_without_lighters_body_falls_back_to_the_http_status():
    assert _error_body(refusal(400, {"code": 21700, "message": "bad"})) == (21700, "bad")
    assert _error_body(refusal(503, {"message": "later"})) == (503, "later")
    assert _error_body(refusal(502, {"code": 1})) == (1, "")
    assert _error_body(refusal(502, b"<html>bad gateway</html>", "Bad Gateway")) == \
        (502, "Bad Gateway")
    assert _error_body(refusal(500, orjson.dumps([1, 2]).decode(), "Oops")) == (500, "Oops")
    assert _error_body(refusal(500, None, None)) == (500, "")
    assert _error_body(ApiException(status=None, reason="x", body='{"message": "m"}')) == (0, "m")


def test_the_quota_left_is_read_from_the_refusal_or_is_zero():
    assert _quota_in_body(refusal(429, {"volume_quota_remaining": 12})) == 12
    assert _quota_in_body(refusal(429, {"message": "volume quota"})) == 0
    assert _quota_in_body(refusal(429, b"not json")) == 0
    assert _quota_in_body(refusal(429, orjson.dumps([3]).decode())) == 0
    assert _quota_in_body(refusal(429, None)) == 0
