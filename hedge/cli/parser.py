"""The command line's arguments: every command, flag and check of a flag's value.

A bad flag or value gets argparse's usage, one line naming the problem, and exit 2.
"""
from __future__ import annotations

import argparse
import sys

from hedge.sim.faults import PROFILES
from hedge.sim.runner import HEDGE_VENUE_APPS

DEFAULT_CONFIG = "config/paper.yaml"
DESCRIPTION = ("lighter-hedge: quote on Lighter, hedge every fill through ccxt; "
               "without a command, paper mode")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 with usage; keep that, add a hint
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message}\nrun `python run.py --help` for the commands and flags\n")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a whole number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0..65535 (0 = any free port), got {value}")
    return value


def _profile(text: str) -> str:
    if text not in PROFILES:
        raise argparse.ArgumentTypeError(
            f"unknown fault profile {text!r}; choose one of: {', '.join(PROFILES)}")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python run.py", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    run = sub.add_parser("run", help="run the bot (paper mode with config/paper.yaml)")
    run.add_argument("--config", default=DEFAULT_CONFIG, help="YAML config (default %(default)s)")
    run.add_argument("--duration", type=float, default=None, help="seconds; 0 = until Ctrl-C")
    run.add_argument("--faults", type=_profile, default=None, help="venue fault profile (paper mode)")
    run.add_argument("--log-level", default=None, help="log level (default: the config's)")
    run.add_argument("--metrics-port", type=_port, default=None,
                     help="serve Prometheus metrics on 127.0.0.1:PORT (default: metrics.port)")

    report = sub.add_parser("report", help="write a run's report.html (plots, figures)")
    report.add_argument("run_dir", nargs="?", default=None,
                        help="run directory (default logs/latest, or $HEDGE_LOGS_DIR/latest)")

    sim = sub.add_parser("sim", help="run both local venues on 127.0.0.1 until Ctrl-C")
    sim.add_argument("--lighter-port", type=_port, default=8710)
    sim.add_argument("--hedge-port", type=_port, default=8711)
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--faults", type=_profile, default="none",
                     help=f"one of: {', '.join(PROFILES)}")
    sim.add_argument("--hedge-exchange", choices=sorted(HEDGE_VENUE_APPS), default="binanceusdm",
                     help="which local hedge venue to serve (a ccxt id; default %(default)s)")
    sim.add_argument("--tier", choices=("standard", "premium"), default="standard",
                     help="Lighter tier of accounts registered without one (default %(default)s)")

    diag = sub.add_parser("diagnose", help="walk the decision tree over a run's logs")
    diag.add_argument("run_dir", nargs="?", default=None,
                      help="run directory (default logs/latest, or $HEDGE_LOGS_DIR/latest)")
    diag.add_argument("--json", action="store_true", help="print the diagnosis as JSON")

    replay = sub.add_parser("replay", help="re-feed recorded frames through parser, book, detector")
    replay.add_argument("file", help="ws_lighter.jsonl, a .json of frames, or a directory of them")
    replay.add_argument("--json", action="store_true", help="print the report as JSON")

    canary = sub.add_parser("canary", help="post-only order far from the market, seen open, "
                                           "canceled, confirmed by REST; hedge venue read-only")
    canary.add_argument("--config", required=True, help="YAML config")
    canary.add_argument("--out", default=None, help="also write the JSON report to this file")

    markets = sub.add_parser("markets", help="the Lighter venue's markets as a table")
    markets.add_argument("--config", required=True, help="YAML config")
    return parser
