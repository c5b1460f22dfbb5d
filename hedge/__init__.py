"""lighter-hedge: rest post-only quotes on Lighter, hedge every fill on a ccxt venue."""
