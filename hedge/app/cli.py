"""Command line: parse arguments, dispatch to a command, turn user mistakes into exit code 2.

A user mistake (bad flag, unknown fault profile, port in use) gets one line naming the problem
and the fix, never a traceback.
"""
from __future__ import annotations

import argparse
import asyncio
import sys

from hedge.app import sim_command
from hedge.app.run_command import run_bot
from hedge.infra.config import ConfigError, load_config
from hedge.sim.faults import PROFILES

DEFAULT_CONFIG = "config/paper.yaml"


class UsageError(Exception):
    """A mistake in what the user asked for; the message says what to do instead."""


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
    parser = _Parser(prog="python run.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    run = sub.add_parser("run", help="run the bot (paper mode with config/paper.yaml)")
    run.add_argument("--config", default=DEFAULT_CONFIG, help="YAML config (default %(default)s)")
    run.add_argument("--duration", type=float, default=None, help="seconds; 0 = until Ctrl-C")
    run.add_argument("--faults", type=_profile, default=None, help="venue fault profile (paper mode)")
    run.add_argument("--log-level", default=None, help="log level (default: the config's)")

    sim = sub.add_parser("sim", help="run both local venues on 127.0.0.1 until Ctrl-C")
    sim.add_argument("--lighter-port", type=_port, default=8710)
    sim.add_argument("--hedge-port", type=_port, default=8711)
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--faults", type=_profile, default="none",
                     help=f"one of: {', '.join(PROFILES)}")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv or ["run"])
    try:
        if args.command == "sim":
            return asyncio.run(sim_command.serve(args.lighter_port, args.hedge_port, args.seed, args.faults))
        config = load_config(args.config, {"duration_s": args.duration, "sim.faults": args.faults,
                                           "logging.level": args.log_level})
        return asyncio.run(run_bot(config))
    except (sim_command.VenueStartError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
