"""Decoding and validating signed tx_info the way the sequencer does before it says 200.

Only what is checked synchronously lives here (shape, key, nonce, expiries, minimums, client
id uniqueness); what depends on the book (post-only crossing, cancel targets) is decided when
the tx executes. Signatures are opaque: the venue does not verify them.
"""
from __future__ import annotations

import json

from hedge.sim.lighter.venue import LighterVenue, skips_nonce

CREATE, CANCEL, CANCEL_ALL, MODIFY = 14, 15, 16, 17
QUOTA_UNUSED_MESSAGE = '{"ratelimit": "didn\'t use volume quota"}'   # real capture
QUOTA_USED_MESSAGE = '{"ratelimit": "used volume quota"}'             # wording not captured
# The venue's code for "no volume quota left" is not in any source we have; the refusal is
# shaped like its other rate-limit refusals (docs/SIM.md marks it uncertain).
QUOTA_EXHAUSTED_CODE = 23000
QUOTA_EXHAUSTED_MESSAGE = "Too Many Requests! volume quota exhausted"
MAX_BATCH = 15
MAX_CLIENT_ORDER_INDEX = (1 << 48) - 1
MIN_ORDER_EXPIRY_MS = 5 * 60 * 1000 - 5_000     # docs: 5 min .. 30 days from submission
MAX_ORDER_EXPIRY_MS = 30 * 24 * 3600 * 1000 + 60_000
# A scheduled cancel-all lies 5 min .. 15 days ahead (lighter-go MinOrderCancelAllPeriod /
# MaxOrderCancelAllPeriod); 1 s of grace for the trip from the client's clock.
MIN_CANCEL_ALL_AHEAD_MS = 5 * 60 * 1000 - 1_000
MAX_CANCEL_ALL_AHEAD_MS = 15 * 24 * 3600 * 1000 + 1_000
QUOTA_SPENDERS = (CREATE, MODIFY)

REQUIRED = {
    CREATE: ("AccountIndex", "ApiKeyIndex", "MarketIndex", "ClientOrderIndex", "BaseAmount",
             "Price", "IsAsk", "Type", "TimeInForce", "ReduceOnly", "OrderExpiry", "ExpiredAt", "Nonce"),
    CANCEL: ("AccountIndex", "ApiKeyIndex", "MarketIndex", "Index", "ExpiredAt", "Nonce"),
    CANCEL_ALL: ("AccountIndex", "ApiKeyIndex", "TimeInForce", "Time", "ExpiredAt", "Nonce"),
    MODIFY: ("AccountIndex", "ApiKeyIndex", "MarketIndex", "Index", "BaseAmount", "Price",
             "ExpiredAt", "Nonce"),
}


class TxRejected(Exception):
    """A sendTx refusal: HTTP status, Lighter code and message."""

    def __init__(self, code: int, message: str, http_status: int = 400, extra: dict | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.http_status = code, message, http_status
        self.extra = extra or {}

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, **self.extra}


def decode(tx_type: object, tx_info: object) -> tuple[int, dict, str]:
    """(type, parsed info, raw text) from form fields or a WS message; raises TxRejected."""
    try:
        kind = int(tx_type)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TxRejected(20001, "invalid param : tx_type") from None
    if kind not in REQUIRED:
        raise TxRejected(21505, f"unsupported tx type: {kind}")
    if isinstance(tx_info, dict):
        info, raw = tx_info, json.dumps(tx_info)
    else:
        raw = str(tx_info or "")
        try:
            info = json.loads(raw)
        except ValueError:
            raise TxRejected(21501, "invalid tx info") from None
    if not isinstance(info, dict):
        raise TxRejected(21501, "invalid tx info")
    for key in REQUIRED[kind]:
        if not isinstance(info.get(key), int) or isinstance(info.get(key), bool):
            raise TxRejected(21501, f"invalid tx info: {key}")
    return kind, info, raw


def validate(venue: LighterVenue, kind: int, info: dict, nonce_offset: int = 0) -> None:
    """Raise TxRejected unless the sequencer would accept this tx now."""
    acct = venue.accounts.get(info["AccountIndex"])
    key = acct.api_keys.get(info["ApiKeyIndex"]) if acct else None
    if key is None:
        raise TxRejected(21501, "invalid tx info: api key not found")
    if not skips_nonce(info) and info["Nonce"] != key.next_nonce + nonce_offset:
        raise TxRejected(21104, "invalid nonce")
    now = venue.now_ms()
    if info["ExpiredAt"] < now:
        raise TxRejected(21501, "invalid tx info: tx expired")
    if kind in (CREATE, CANCEL, MODIFY) and info["MarketIndex"] not in venue.markets:
        raise TxRejected(21602, "invalid market index")
    if kind in QUOTA_SPENDERS:
        _validate_market_status(venue, info)
    if kind == CREATE:
        _validate_create(venue, acct, info, now)
    elif kind == MODIFY:
        _validate_amounts(venue, info["MarketIndex"], info["BaseAmount"], info["Price"], allow_zero=True)
    elif kind == CANCEL_ALL:
        _validate_cancel_all(venue, acct, info, now)


def _validate_market_status(venue: LighterVenue, info: dict) -> None:
    """Creates and modifies need an active market; a reduce-only market takes reduce-only
    creates. Cancels always pass, so quotes can be pulled from a market that stopped."""
    status = venue.market_status(info["MarketIndex"])
    if status == "active" or (status == "reduce_only" and info.get("ReduceOnly") == 1):
        return
    symbol = venue.markets[info["MarketIndex"]].symbol
    raise TxRejected(21605, f"invalid market status: {symbol} is {status.replace('_', '-')}")


def _validate_create(venue: LighterVenue, acct, info: dict, now: int) -> None:
    if info["Type"] not in (0, 1):
        raise TxRejected(21710, "unsupported order type")
    tif = info["TimeInForce"]
    if tif not in (0, 1, 2) or (info["Type"] == 1 and tif != 0):
        raise TxRejected(21705, "invalid time in force")
    expiry = info["OrderExpiry"]
    if tif == 0:
        if expiry != 0:
            raise TxRejected(21711, "invalid expiry")
    elif not (now + MIN_ORDER_EXPIRY_MS <= expiry <= now + MAX_ORDER_EXPIRY_MS):
        raise TxRejected(21711, "invalid expiry")
    coi = info["ClientOrderIndex"]
    if coi < 0 or coi > MAX_CLIENT_ORDER_INDEX:
        raise TxRejected(21727, "invalid client order index")
    if info["IsAsk"] not in (0, 1):
        raise TxRejected(21703, "invalid isAsk")
    _validate_amounts(venue, info["MarketIndex"], info["BaseAmount"], info["Price"])
    if venue.client_index_taken(acct, coi):
        raise TxRejected(21728, "client order index already exists")


def _validate_amounts(venue: LighterVenue, market: int, lots: int, ticks: int, allow_zero: bool = False) -> None:
    spec = venue.markets[market]
    if lots < (0 if allow_zero else 1):
        raise TxRejected(21701, "invalid base amount")
    if ticks < 1 or ticks > 0xFFFFFFFF:
        raise TxRejected(21702, "invalid price")
    if lots == 0 and allow_zero:
        return
    if lots < spec.min_base_lots or spec.quote(lots, ticks) < spec.min_quote_amount:
        raise TxRejected(21706, "invalid order base or quote amount")


def _validate_cancel_all(venue: LighterVenue, acct, info: dict, now: int) -> None:
    tif, at = info["TimeInForce"], info["Time"]
    if tif not in (0, 1, 2):
        raise TxRejected(21713, "invalid cancel all time in force")
    if tif == 1 and not now + MIN_CANCEL_ALL_AHEAD_MS <= at <= now + MAX_CANCEL_ALL_AHEAD_MS:
        raise TxRejected(21714, "invalid cancel all time")
    if tif != 1 and at != 0:
        raise TxRejected(21714, "invalid cancel all time")
    if tif == 1 and acct.cancel_all_queued and venue.faults.cancel_all_single_queued:
        raise TxRejected(21712, "account has a queued cancel all orders request")


def _spend_quota(venue: LighterVenue, decoded: list[tuple[int, dict, str]]) -> None:
    """Premium accounts need one unit of volume quota per create/modify (a batch: all of them)."""
    needed: dict[int, int] = {}
    for kind, info, _ in decoded:
        if kind in QUOTA_SPENDERS:
            needed[info["AccountIndex"]] = needed.get(info["AccountIndex"], 0) + 1
    for account, count in needed.items():
        acct = venue.accounts[account]
        if venue.tier_of(account).volume_quota and venue.quota_remaining(acct) < count:
            raise TxRejected(QUOTA_EXHAUSTED_CODE, QUOTA_EXHAUSTED_MESSAGE, http_status=429,
                             extra={"volume_quota_remaining": venue.quota_remaining(acct)})


def submit(venue: LighterVenue, items: list[tuple[object, object]]) -> list:
    """Validate every tx (a batch is all-or-nothing), then accept them in order.

    The request caps (and the `rate_limit_next` fault) are applied before this, by the REST
    gate or the WebSocket handler.
    """
    if venue.faults.nonce_error_next > 0:
        venue.faults.nonce_error_next -= 1
        raise TxRejected(21104, "invalid nonce")
    if len(items) > MAX_BATCH:
        raise TxRejected(21514, f"maximum {MAX_BATCH} transactions allowed per batch")
    decoded = [decode(t, i) for t, i in items]
    offsets: dict[tuple[int, int], int] = {}
    client_ids: set[tuple[int, int]] = set()
    for kind, info, _ in decoded:
        slot = (info["AccountIndex"], info["ApiKeyIndex"])
        validate(venue, kind, info, offsets.get(slot, 0))
        offsets[slot] = offsets.get(slot, 0) + 1
        if kind == CREATE and info["ClientOrderIndex"]:
            cid = (info["AccountIndex"], info["ClientOrderIndex"])
            if cid in client_ids:
                raise TxRejected(21728, "client order index already exists")
            client_ids.add(cid)
    _spend_quota(venue, decoded)
    return [venue.accept(kind, info, raw) for kind, info, raw in decoded]


def quota_fields(venue: LighterVenue, recs: list) -> dict:
    """`volume_quota_remaining` (premium accounts only) and the answer's `message`."""
    acct = venue.accounts[recs[0].info["AccountIndex"]]
    if not venue.tier_of(acct.index).volume_quota:
        return {"message": QUOTA_UNUSED_MESSAGE}
    used = any(r.tx_type in QUOTA_SPENDERS for r in recs)
    return {"message": QUOTA_USED_MESSAGE if used else QUOTA_UNUSED_MESSAGE,
            "volume_quota_remaining": venue.quota_remaining(acct)}
