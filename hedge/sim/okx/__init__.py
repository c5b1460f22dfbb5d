"""The okx-compatible hedge venue (v5 REST): ccxt's own `okx` class trades against it."""
