"""The composition root: the command line, and the wiring that builds each command from the
config. Only this package imports both hedge.app and hedge.diagnostics; nothing imports it."""
