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
                                                 args.faults, args.hedge_exchange, args.tier,
                                                 args.model))
        if getattr(args, "run_dir", "") is None:
            args.run_dir = default_run_dir()
        if args.command in ("diagnose", "replay", "canary", "markets"):
            return _diagnostics(args)
        if args.command == "report":
            return _report(args.run_dir)
        if args.command == "lab":
            return _lab(args)
        if args.command == "record":
            return _record(args)
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


def _lab(args: argparse.Namespace) -> int:
    """Imported here: only `lab` loads the lab (and optuna, when searching)."""
    import json
    from datetime import datetime, timezone
    from pathlib import Path

    from hedge.lab.command import LabOptions, run_lab
    from hedge.lab.params import LabUsageError
    from hedge.market.model_file import ModelFileError
    run_id = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    if args.queue and not args.recording:
        raise UsageError("--queue is the queue model of a replay: add --recording DIR, or drop "
                         "--queue (a model's market has its own queue)")
    seeds = args.seeds or (1 if args.recording else 5)
    options = LabOptions(config=args.config, model=args.model, hours=args.hours,
                         seeds=[args.seed] if args.seed is not None else list(range(1, seeds + 1)),
                         recording=args.recording, queue=args.queue or "conservative",
                         sets=args.sets, search=args.search, objective=args.objective,
                         max_cost_per_million=args.max_cost_per_million, storage=args.storage,
                         study=args.study, out=Path(args.out or f"logs/lab/{run_id}"),
                         json=args.json)
    try:
        result = run_lab(options)
    except (LabUsageError, ModelFileError) as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(result, default=str))
    else:
        best = result["best"] or {}
        value = best.get("objective")
        shown = "n/a (no set had fills within the cost limit)" if value is None else f"{value:.2f}"
        print(f"best {best.get('params')} objective {shown}; files in {options.out}")
    return 0


def _record(args: argparse.Namespace) -> int:
    """Imported here: only `record` loads the recorder."""
    from datetime import datetime, timezone
    from pathlib import Path

    from hedge.app.paper import PaperVenueError
    from hedge.infra.logs import setup_logging
    from hedge.lab.record import RecordError, record
    config = load_config(args.config, {})
    out = Path(args.out or f"logs/recordings/{datetime.now(timezone.utc):%Y%m%d-%H%M%S}")
    setup_logging(None, "WARNING")
    try:
        lines = asyncio.run(record(config, args.duration, out, not args.no_compress))
    except LookupError as exc:
        raise UsageError(f"{exc}; set lighter.market (or "
                         f"markets[].lighter_market) to one of them") from None
    except (RecordError, PaperVenueError) as exc:
        raise UsageError(str(exc)) from None
    print(f"recorded {args.duration:g} s to {out}: "
          + ", ".join(f"{name} {count} lines" for name, count in lines.items()))
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
        markets = [m.strip() for m in args.markets.split(",") if m.strip()] if args.markets else None
        return asyncio.run(commands.canary(config, args.out, markets=markets))
    except commands.USER_MISTAKES as exc:
        raise UsageError(str(exc)) from None
    except BrokenPipeError:          # `... | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
