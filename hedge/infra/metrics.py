"""The bot's Prometheus metrics and the endpoint that serves them, on 127.0.0.1 only.

The metrics are set by a collector that reads the bot's state once a second (app side); nothing
here is called from the fill path. Every per-market metric carries a `market` label, account-wide
ones (the stream, the Lighter request budget, the kill switch) do not.
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

HOST = "127.0.0.1"
LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class BotMetrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.fills = Counter("hedgebot_fills", "Maker fills detected on Lighter", ["market"], registry=r)
        self.hedges = Counter("hedgebot_hedges", "Hedge orders by outcome status",
                              ["market", "status"], registry=r)
        self.unhedged_base = Gauge("hedgebot_unhedged_base", "Exposure not yet hedged (base units)",
                                   ["market"], registry=r)
        self.unhedged_age = Gauge("hedgebot_unhedged_age_seconds",
                                  "Age of the oldest unhedged exposure", ["market"], registry=r)
        self.position = Gauge("hedgebot_position_base", "Signed position (base units)",
                              ["market", "venue"], registry=r)
        self.fill_to_hedge = Histogram("hedgebot_fill_to_hedge_seconds",
                                       "From the fill frame to the hedge submit / ack",
                                       ["market", "stage"], buckets=LATENCY_BUCKETS_S, registry=r)
        self.ws_reconnects = Counter("hedgebot_ws_reconnects", "Lighter stream reconnects",
                                     registry=r)
        self.book_resyncs = Counter("hedgebot_book_resyncs", "Lighter order book resyncs", registry=r)
        self.lighter_requests = Counter("hedgebot_lighter_requests", "Requests sent to Lighter",
                                        registry=r)
        self.lighter_rate_limited = Counter("hedgebot_lighter_rate_limited",
                                            "Lighter requests answered 429", registry=r)
        self.pnl = Gauge("hedgebot_pnl_quote", "PnL marked at the Lighter mid (quote currency)",
                         ["market"], registry=r)
        self.quoting = Gauge("hedgebot_quoting", "1 while quoting, 0 while paused (reason label)",
                             ["market", "reason"], registry=r)
        self.kill_switch = Gauge("hedgebot_kill_switch", "1 once the kill switch tripped", registry=r)
        self.asyncio_tasks = Gauge("hedgebot_asyncio_tasks",
                                   "asyncio tasks alive in the bot (flat over a long run)", registry=r)
        self._server = None

    def serve(self, port: int) -> int:
        """Start the endpoint on 127.0.0.1:`port` (0: any free port); returns the bound port."""
        self._server, _thread = start_http_server(port, addr=HOST, registry=self.registry)
        return self._server.server_address[1]

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
