"""State of the okx venue: the shared hedge-venue state keyed by OKX instId, in base units
(every route converts contracts at the wire through the instrument)."""
from __future__ import annotations

from dataclasses import dataclass, field

from hedge.sim.hedge_venue.state import HedgeVenueState
from hedge.sim.okx.markets import INSTRUMENTS

BOOK_SPECS = {inst_id: inst.book_spec for inst_id, inst in INSTRUMENTS.items()}


@dataclass
class OkxVenueState(HedgeVenueState):
    symbols: dict = field(default_factory=lambda: dict(BOOK_SPECS))
    next_order_id: int = 1_934_000_000_000_000_000
    received_orders: list[dict] = field(default_factory=list)  # each order body as it arrived
    # > 0: an order reads `live` with nothing filled for this long after its acknowledgement,
    # as on OKX where the answer can come before the match (tests of reading until final).
    settle_after_ms: int = 0
