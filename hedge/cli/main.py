"""Command line: parse arguments, dispatch to a command, turn user mistakes into exit code 2.

A user mistake (bad flag, unknown fault profile, port in use, missing config) gets one line
naming the problem and the fix, never a traceback.
"""
from __future__ import annotations

import argparse
import asyncio
import sys

from hedge.cli import sim_command
from hedge.cli.parser import build_parser
from hedge.infra.config import ConfigError, load_config
from hedge.infra.run_files import default_run_dir, logs_dir_from_env


class UsageError(Exception):
    """A mistake in what the user asked for; the message says what to do instead."""


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv or ["run"])
    try:
        if args.command == "sim":
            return asyncio.run(sim_command.serve(args.lighter_port, args.hedge_port, args.seed,
                                                 args.faults, args.hedge_exchange, args.tier))
        if getattr(args, "run_dir", "") is None:
            args.run_dir = default_run_dir()
        if args.command in ("diagnose", "replay", "canary", "markets"):
            return _diagnostics(args)
        if args.command == "report":
            return _report(args.run_dir)
        config = load_config(args.config, {"duration_s": args.duration, "sim.faults": args.faults,
                                           "logging.level": args.log_level,
                                           "metrics.port": args.metrics_port,
                                           "logging.dir": logs_dir_from_env()})
        # Imported here: `sim` (the paper venues' own process) never loads the bot, the Lighter
        # SDK or ccxt, so the venues are up sooner.
        from hedge.app.run_command import run_bot
        return asyncio.run(run_bot(config, after_run=_build_report))
    except (sim_command.VenueStartError, ConfigError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _build_report(run_dir):
    """The run report, written at the end of every run (plotly is imported only here)."""
    from hedge.report.build import build_report
    return build_report(run_dir)


def _report(run_dir: str) -> int:
    from hedge.report.build import ReportError
    try:
        print(_build_report(run_dir))
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    return 0


def _diagnostics(args: argparse.Namespace) -> int:
    from hedge.cli import commands   # imported lazily: `run` never pays for it
    try:
        if args.command == "diagnose":
            return commands.diagnose(args.run_dir, args.json)
        if args.command == "replay":
            return commands.replay(args.file, args.json)
        config = load_config(args.config, {})
        if args.command == "markets":
            return asyncio.run(commands.markets(config))
        return asyncio.run(commands.canary(config, args.out))
    except commands.USER_MISTAKES as exc:
        raise UsageError(str(exc)) from None
    except BrokenPipeError:          # `... | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
