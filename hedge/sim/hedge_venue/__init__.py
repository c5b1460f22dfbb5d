"""The one hedge-venue simulator: account state, matching, order faults, the /sim control routes,
the refusal switch, the book-stream plumbing and the app factory. Each exchange's folder
(binance, okx, bybit, hyperliquid) keeps only its wire format: routes, auth, ids, envelopes and
error codes."""
