"""What a lab run leaves in OUT: results.csv, lab.html (self-contained plotly) and best.yaml,
a config overlay an operator can run."""
from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import Any

import yaml

CSV_SPLIT = ("spread", "adverse", "latency", "execution", "fees")
CSV_FIELDS = ("fills", "volume_quote", "pnl_quote", "pnl_per_fill_bps", "pnl_per_million",
              "fills_per_request", "max_abs_position_base", "quoting_fraction", "rate_limited",
              "sim_hours", "wall_s", "exit_reason")


def write_outputs(out: Path, result: dict, importance: dict[str, float] | None,
                  model_path: str) -> None:
    _csv(out / "results.csv", result["trials"])
    (out / "best.yaml").write_text(best_overlay(result.get("best"), model_path))
    (out / "lab.html").write_text(page(result, importance))


def _csv(path: Path, trials: list[dict]) -> None:
    keys = sorted({k for t in trials for k in t["params"]})
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["seed", *keys, *CSV_FIELDS, *(f"split_{s}_bps" for s in CSV_SPLIT)])
        for t in trials:
            writer.writerow([t["seed"], *(t["params"].get(k) for k in keys),
                             *(t.get(k) for k in CSV_FIELDS),
                             *(t["split_bps"][s] for s in CSV_SPLIT)])


def best_overlay(best: dict | None, model_path: str) -> str:
    """The best point's keys as nested YAML, with the model it was found on."""
    overlay: dict[str, Any] = {"market_model": model_path}
    for dotted, value in ((best or {}).get("params") or {}).items():
        if dotted.startswith("model."):
            continue          # model keys describe the market, not a setting to run with
        *parents, leaf = dotted.split(".")
        target = overlay
        for name in parents:
            target = target.setdefault(name, {})
        target[leaf] = value
    head = "# The lab's best point: merge these keys into your config (python run.py lab).\n"
    return head + yaml.safe_dump(overlay, sort_keys=False)


def page(result: dict, importance: dict[str, float] | None) -> str:
    import plotly.graph_objects as go       # imported here: the lab's trials never need it
    from plotly.offline import get_plotlyjs
    trials = result["trials"]
    figures = []        # (data-plot name, figure): the name is what a browser check looks for
    scatter = go.Figure()
    by_set: dict[str, list[dict]] = {}
    for t in trials:
        by_set.setdefault(_label(t["params"]), []).append(t)
    for label, ts in by_set.items():        # one colour per parameter set, a point per seed
        scatter.add_scatter(x=[t["volume_quote"] / t["sim_hours"] for t in ts],
                            y=[t["pnl_per_million"] for t in ts], mode="markers", name=label,
                            text=[f"seed {t['seed']}" for t in ts])
    scatter.update_layout(title="PnL per $1M against volume per hour (every trial)",
                          xaxis_title="volume per hour (quote)", yaxis_title="PnL per $1M")
    figures.append(("pnl_vs_volume", scatter))
    markouts = go.Figure()
    for side in ("bid", "ask"):
        horizons = ("1s", "5s", "30s")
        values = [_mean([t["markouts_bps"][side][h] for t in trials
                         if t["markouts_bps"][side][h] is not None]) for h in horizons]
        markouts.add_bar(name=side, x=list(horizons), y=values)
    markouts.update_layout(title="Markouts by side (bp, mean over trials)",
                           yaxis_title="bp")
    figures.append(("markouts", markouts))
    if importance:
        bars = go.Figure(go.Bar(x=list(importance.values()), y=list(importance), orientation="h"))
        bars.update_layout(title="Parameter importance (the search)")
        figures.append(("importance", bars))
    best = result.get("best") or {}
    body = "".join(f"<section data-plot='{name}'>"
                   f"{fig.to_html(full_html=False, include_plotlyjs=False)}</section>"
                   for name, fig in figures)
    return ("<!doctype html><html><head><meta charset='utf-8'><title>lighter-hedge lab</title>"
            f"<script>{get_plotlyjs()}</script></head><body><h1>Strategy lab</h1>"
            f"<p>best: {html.escape(_label(best.get('params') or {}))}, objective "
            f"{_objective(best.get('objective'))}</p>{body}</body></html>")


def _objective(value: float | None) -> str:
    return "n/a (no set had fills within the cost limit)" if value is None else f"{value:.2f}"


def _label(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in params.items()) or "base config"


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
