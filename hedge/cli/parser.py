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


def _whole(text: str, noun: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{noun} must be a whole number, got {text!r}") from None


def _port(text: str) -> int:
    value = _whole(text, "port")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0..65535 (0 = any free port), got {value}")
    return value


def _profile(text: str) -> str:
    if text not in PROFILES:
        raise argparse.ArgumentTypeError(
            f"unknown fault profile {text!r}; choose one of: {', '.join(PROFILES)}")
    return text


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _count(text: str) -> int:
    value = _whole(text, "a count")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


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

    lab = sub.add_parser("lab", help="the strategy lab: the real strategy against a market "
                                     "model in virtual time, over seeds and parameter sets")
    lab.add_argument("--config", default=DEFAULT_CONFIG, help="base config (default %(default)s)")
    lab.add_argument("--model", default=None,
                     help="model file (default: the config's market_model, else "
                          "config/models/default.yaml); with --recording only its fees, "
                          "hedge latency and quote rate are used")
    lab.add_argument("--recording", default=None, metavar="DIR",
                     help="replay a recorded market (`python run.py record`) instead of the "
                          "model's")
    lab.add_argument("--queue", choices=("conservative", "probabilistic"), default=None,
                     help="queue model of a replay (default conservative)")
    lab.add_argument("--hours", type=_positive, default=1.0, help="simulated hours per trial")
    seeds = lab.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=_count, default=None,
                       help="seeds 1..N (default 5; 1 with --recording)")
    seeds.add_argument("--seed", type=int, default=None, help="one seed")
    lab.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=SPEC",
                     help="V1,V2,... (grid; categorical with --search) or LO..HI[:log]")
    lab.add_argument("--search", type=_count, default=0, metavar="N",
                     help="optuna (TPE) search over N parameter sets")
    lab.add_argument("--objective", choices=("pnl", "volume"), default="pnl")
    lab.add_argument("--max-cost-per-million", type=float, default=None)
    lab.add_argument("--storage", default=None, help="optuna storage URL (default OUT/study.db)")
    lab.add_argument("--study", default=None, help="study name (an existing one resumes)")
    lab.add_argument("--out", default=None, help="output directory (default logs/lab/<run id>)")
    lab.add_argument("--json", action="store_true", help="print one JSON object, last line")

    rec = sub.add_parser("record", help="record both venues' public books and Lighter's "
                                        "trades for `lab --recording` (no keys needed)")
    rec.add_argument("--config", default=DEFAULT_CONFIG, help="YAML config (default %(default)s)")
    rec.add_argument("--duration", type=_positive, required=True, help="seconds to record")
    rec.add_argument("--out", default=None,
                     help="output directory (default logs/recordings/<run id>)")
    rec.add_argument("--no-compress", action="store_true", help="plain .jsonl, not .jsonl.gz")

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
    sim.add_argument("--model", default=None, metavar="FILE",
                     help="market model file (default config/models/default.yaml)")

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
    canary.add_argument("--markets", default=None,
                        help="comma-separated Lighter markets to check (default: every market "
                             "of the config)")

    markets = sub.add_parser("markets", help="the Lighter venue's markets as a table")
    markets.add_argument("--config", required=True, help="YAML config")
    return parser
