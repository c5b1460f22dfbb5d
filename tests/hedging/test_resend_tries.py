"""A send the venue never executed (rate limit, refused connection) is tried again, at most
`retry_limit` more times, with a backoff before each try, then given up with the count."""
from __future__ import annotations

from decimal import Decimal

from hedge.adapters.hedging import ccxt_venue
from hedge.adapters.hedging.ccxt_venue import CcxtHedgeVenue, CcxtVenueSettings
from hedge.adapters.hedging.venue import HedgeStatus
from hedge.infra.retry import backoff_s


async def test_a_send_refused_every_time_is_tried_retry_limit_more_times_then_given_up(
        monkeypatch):
    venue = CcxtHedgeVenue(CcxtVenueSettings(exchange_id="binanceusdm",
                                             base_url="http://127.0.0.1:9", retry_limit=3,
                                             backoff_base_ms=1, backoff_max_ms=2))
    sends, waits = [], []

    async def refused(*args):
        sends.append(args[1])
        raise ccxt_venue._SendAgain("429 Too Many Requests")

    def backoff(*args):
        waits.append(backoff_s(*args))
        return waits[-1]
    monkeypatch.setattr(venue, "_send_once", refused)
    # The backoff is recorded where it is computed: patching asyncio.sleep would reach every
    # task of the process (the session's local venues too) and count their sleeps as ours.
    monkeypatch.setattr(ccxt_venue, "backoff_s", backoff)
    try:
        result, lookups, _ = await venue._send_resolved(
            "ETH/USDT:USDT", "h5x0", True, Decimal("0.01"), Decimal("2000"), False, None)
        between = list(waits)
    finally:
        monkeypatch.undo()
        await venue.close()
    assert sends == ["h5x0"] * 4                         # the first try and 3 more, same id
    assert len(between) == 3 and all(0 <= w <= 0.002 for w in between)
    assert result == (HedgeStatus.REJECTED, "429 Too Many Requests; gave up after 4 tries")
    assert lookups == 0


async def test_a_send_that_goes_through_on_a_later_try_is_that_tries_answer(monkeypatch):
    venue = CcxtHedgeVenue(CcxtVenueSettings(exchange_id="binanceusdm",
                                             base_url="http://127.0.0.1:9", retry_limit=3,
                                             backoff_base_ms=1, backoff_max_ms=2))
    answers = [ccxt_venue._SendAgain("connection refused"), "filled"]

    async def send_once(*args):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(venue, "_send_once", send_once)
    try:
        result, _, _ = await venue._send_resolved(
            "ETH/USDT:USDT", "h5x0", True, Decimal("0.01"), Decimal("2000"), False, None)
    finally:
        monkeypatch.undo()
        await venue.close()
    assert result == "filled" and answers == []
