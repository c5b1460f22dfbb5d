"""`python run.py lab`: trials over seeds and parameter sets, a grid or an optuna search.

Every parameter set runs on every seed; a trial's config is the base config with the `--set`
values applied through `run`'s validation, and every set is validated before the first trial.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hedge.lab import groups as g
from hedge.lab.outputs import write_outputs
from hedge.lab.params import Choice, LabUsageError, corners, grid, parse_set, trial_setup
from hedge.lab.recorded_market import Replay, load_replay
from hedge.lab.recording import RecordingError
from hedge.lab.trial import run_trial, simulated
from hedge.market.model_file import DEFAULT_MODEL, MarketModel, load_model



@dataclass
class LabOptions:
    config: str = "config/paper.yaml"
    model: str | None = None
    recording: str | None = None
    queue: str = "conservative"
    hours: float = 1.0
    seeds: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5])
    sets: list[str] = field(default_factory=list)
    search: int = 0
    objective: str = "pnl"
    max_cost_per_million: float | None = None
    storage: str | None = None
    study: str | None = None
    out: Path = Path("logs/lab/run")
    json: bool = False


def _trials_for(options: LabOptions, model: MarketModel, params: dict[str, Any],
                progress, replay: Replay | None = None) -> list[dict]:
    config, trial_model = trial_setup(options.config, model, params)
    source, hours = simulated, options.hours
    if replay is not None:
        source, hours = replay.market, min(hours, replay.duration_s / 3600)
    out = []
    for seed in options.seeds:
        figures = run_trial(config, trial_model, seed, hours, source)
        trial = {"params": params, "seed": seed, **figures}
        out.append(trial)
        progress(trial)
    return out


def _model_path(options: LabOptions) -> str:
    if options.model:
        return options.model
    from hedge.infra.config import load_config
    return load_config(options.config).market_model or DEFAULT_MODEL


def run_lab(options: LabOptions) -> dict:
    """Run the trials, write OUT's files; the JSON object `--json` prints."""
    model = load_model(_model_path(options))
    replay = None
    if options.recording:
        replay = _replay(options, model)
        model = replay.model
    choices = [parse_set(text) for text in options.sets]
    if options.objective == "volume" and options.max_cost_per_million is None:
        raise LabUsageError("--objective volume needs --max-cost-per-million X (the most PnL "
                            "per $1M you will give up for volume)")
    points = grid(choices) if not options.search else corners(choices)
    for point in points:                       # a bad key fails before any trial runs
        trial_setup(options.config, model, point)
    options.out.mkdir(parents=True, exist_ok=True)

    def progress(trial: dict) -> None:
        if not options.json:
            print(f"trial {json.dumps(trial['params'], default=str)} seed {trial['seed']}: "
                  f"{trial['fills']} fills, PnL/fill {_bp(trial['pnl_per_fill_bps'])}, "
                  f"{trial['wall_s']:.1f} s wall"
                  + ("" if trial["exit_reason"] == "duration"
                     else f"; the strategy stopped early: {trial['exit_reason']}"), flush=True)

    importance = None
    if options.search:
        trials, importance = _search(options, model, choices, progress, replay)
    else:
        trials = [t for point in points
                  for t in _trials_for(options, model, point, progress, replay)]
    gs = g.groups(trials)
    result = {"trials": trials, "groups": gs,
              "best": g.best(gs, options.objective, options.max_cost_per_million)}
    write_outputs(options.out, result, importance, _model_path(options))
    return result


def _replay(options: LabOptions, model: MarketModel) -> Replay:
    """The recording, checked before any trial: it must be of the market the config trades."""
    try:
        replay = load_replay(options.recording, model, options.queue)
    except RecordingError as exc:
        raise LabUsageError(str(exc)) from None
    from hedge.infra.config import load_config
    trades = load_config(options.config).trading_markets[0].lighter_market
    recorded = replay.recording.meta["lighter_market"]
    if str(recorded).upper() != trades.upper():
        raise LabUsageError(f"--recording {options.recording} is of Lighter market {recorded}, "
                            f"the config trades {trades}; give a config for {recorded} "
                            f"(lighter.market) or a recording of {trades}")
    return replay


def _search(options: LabOptions, model: MarketModel, choices: list[Choice], progress,
            replay: Replay | None = None):
    import optuna            # imported here: a grid run never pays for it
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = options.storage or f"sqlite:///{(options.out / 'study.db').resolve()}"
    try:
        study = optuna.create_study(study_name=options.study or "lab", storage=storage,
                                    direction="maximize", load_if_exists=True,
                                    sampler=optuna.samplers.TPESampler(seed=options.seeds[0]))
    except Exception as exc:     # a bad URL, a missing driver, an unreachable database
        raise LabUsageError(f"--storage {storage}: optuna cannot open it ({type(exc).__name__}: "
                            f"{exc}); give an SQLite path (sqlite:///study.db) or a reachable "
                            f"database URL") from None
    trials: list[dict] = []

    def objective(trial: "optuna.Trial") -> float:
        params = {}
        for c in choices:
            params[c.key] = (trial.suggest_float(c.key, c.low, c.high, log=c.log) if c.is_range
                             else trial.suggest_categorical(c.key, list(c.values)))
        ran = _trials_for(options, model, params, progress, replay)
        trials.extend(ran)
        return g.objective_value(g.group(ran), options.objective, options.max_cost_per_million)

    study.optimize(objective, n_trials=options.search)
    importance = None
    if len(choices) > 1 and len(study.trials) > 2:
        try:
            importance = optuna.importance.get_param_importances(study)
        except (RuntimeError, ValueError):
            importance = None
    return trials, importance


def _bp(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f} bp"
