"""The USDT-margined swaps the okx venue lists. The book and accounts keep base units; the wire
speaks contracts of `ctVal`, converted only through `to_base`/`to_contracts`."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hedge.sim.hedge_venue.book import SymbolSpec


@dataclass(frozen=True)
class Instrument:
    inst_id: str            # ETH-USDT-SWAP
    base: str
    ct_val: Decimal         # base per contract
    lot_sz: Decimal         # contracts
    min_sz: Decimal         # contracts
    tick_sz: Decimal
    max_lmt_sz: Decimal     # contracts
    top_level_base: Decimal
    level_gap_bps: Decimal

    @property
    def book_spec(self) -> SymbolSpec:
        """The same synthetic book as the binance venue, in base units."""
        step = self.lot_sz * self.ct_val
        return SymbolSpec(self.inst_id, self.base, self.tick_sz, step, self.min_sz * self.ct_val,
                          self.max_lmt_sz * self.ct_val, self.max_lmt_sz * self.ct_val,
                          Decimal(0), 2, 3, self.top_level_base, self.level_gap_bps)

    def to_base(self, contracts: Decimal) -> Decimal:
        return contracts * self.ct_val

    def to_contracts(self, base: Decimal) -> Decimal:
        return (base / self.ct_val).normalize()


INSTRUMENTS: dict[str, Instrument] = {
    "ETH-USDT-SWAP": Instrument("ETH-USDT-SWAP", "ETH", Decimal("0.1"), Decimal("0.01"),
                                Decimal("0.01"), Decimal("0.01"), Decimal("100000"),
                                Decimal("0.8"), Decimal("0.5")),
    "BTC-USDT-SWAP": Instrument("BTC-USDT-SWAP", "BTC", Decimal("0.01"), Decimal("0.01"),
                                Decimal("0.01"), Decimal("0.1"), Decimal("100000"),
                                Decimal("0.05"), Decimal("0.3")),
}


def instrument_doc(inst: Instrument, list_time_ms: int) -> dict:
    """One row of GET /api/v5/public/instruments?instType=SWAP (the fields ccxt parses)."""
    return {
        "instType": "SWAP", "instId": inst.inst_id, "uly": f"{inst.base}-USDT",
        "instFamily": f"{inst.base}-USDT", "baseCcy": "", "quoteCcy": "", "settleCcy": "USDT",
        "ctVal": str(inst.ct_val), "ctMult": "1", "ctValCcy": inst.base, "ctType": "linear",
        "optType": "", "stk": "", "listTime": str(list_time_ms), "expTime": "", "lever": "100",
        "tickSz": str(inst.tick_sz), "lotSz": str(inst.lot_sz), "minSz": str(inst.min_sz),
        "maxLmtSz": str(inst.max_lmt_sz), "maxMktSz": "10000", "maxLmtAmt": "20000000",
        "maxMktAmt": "", "maxTwapSz": "", "maxIcebergSz": "", "maxTriggerSz": "",
        "maxStopSz": "", "state": "live", "alias": "", "category": "1", "ruleType": "normal",
    }


def currency_docs() -> list[dict]:
    """GET /api/v5/asset/currencies: ccxt reads it on load_markets when keys are set."""
    return [{"ccy": ccy, "name": name, "chain": f"{ccy}-ERC20", "canDep": True, "canWd": True,
             "canInternal": True, "minWd": "0.001", "maxWd": "1000000", "wdTickSz": "8",
             "minFee": "0.1", "maxFee": "1", "mainNet": False}
            for ccy, name in (("USDT", "Tether"), ("ETH", "Ethereum"), ("BTC", "Bitcoin"))]
