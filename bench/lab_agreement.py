"""Paper mode against the lab: the same config, model and seeds, once in real time over
sockets (`python run.py run`, local venues driven by the model) and once in the lab (virtual
time). PnL per fill (bp of Lighter volume) and fills per minute agree when the difference of
the two means is within K standard errors of that difference, the standard error drawn from
each side's run-to-run spread over the seeds: sqrt(sd_paper^2 / n + sd_lab^2 / n).

Last line of stdout: one JSON object (figures, tolerances, `agree`).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:          # run as a script: python bench/lab_agreement.py
    sys.path.insert(0, str(ROOT))
K_STANDARD_ERRORS = 3.0
METRICS = ("pnl_per_fill_bps", "fills_per_min")


def _figures(fills: int, pnl_quote: float, volume_quote: float, minutes: float) -> dict:
    return {"fills": fills, "fills_per_min": fills / minutes,
            "pnl_per_fill_bps": pnl_quote / volume_quote * 1e4 if volume_quote else 0.0}


def lab_run(config_path: str, model_path: str, seed: int, duration_s: float) -> dict:
    from hedge.infra.config import load_config
    from hedge.lab.trial import run_trial
    from hedge.market.model_file import load_model
    figures = run_trial(load_config(config_path), load_model(model_path), seed, duration_s / 3600)
    return _figures(figures["fills"], figures["pnl_quote"], figures["volume_quote"],
                    duration_s / 60)


def paper_run(config_path: str, model_path: str, seed: int, duration_s: float,
              workdir: Path) -> dict:
    """`python run.py run` on a copy of the config with this seed and model, logs in workdir."""
    config = yaml.safe_load(Path(config_path).read_text())
    config["market_model"] = str(Path(model_path).resolve())
    config.setdefault("sim", {})["seed"] = seed
    config.setdefault("logging", {})["dir"] = str(workdir / f"logs-{seed}")
    path = workdir / f"paper-{seed}.yaml"
    path.write_text(yaml.safe_dump(config))
    from hedge.infra.run_files import LOGS_DIR_ENV
    # The run's logs where this reads them, also under pytest (which points the variable at a
    # directory of its own, and the variable wins over the config's logging.dir).
    env = {**os.environ, LOGS_DIR_ENV: str(workdir / f"logs-{seed}")}
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "run", "--config", str(path),
                           "--duration", str(duration_s)], cwd=ROOT, capture_output=True,
                          text=True, timeout=duration_s + 180, env=env)
    summary_path = workdir / f"logs-{seed}" / "latest" / "summary.json"
    if not summary_path.exists():
        raise RuntimeError(f"paper run seed {seed} wrote no summary: {done.stderr[-1000:]}")
    summary = json.loads(summary_path.read_text())
    fills = sum(m["lighter"]["fills"] for m in summary["markets"].values())
    volume = sum(float(m["lighter"]["volume_quote"]) for m in summary["markets"].values())
    return _figures(fills, float(summary["pnl_quote"]), volume, duration_s / 60)


def agreement(paper: list[dict], lab: list[dict], k: float = K_STANDARD_ERRORS) -> dict:
    """Per metric: both means, both run-to-run sds, the tolerance and whether they agree."""
    out: dict = {}
    for metric in METRICS:
        a, b = [r[metric] for r in paper], [r[metric] for r in lab]
        sd_a = statistics.stdev(a) if len(a) > 1 else 0.0
        sd_b = statistics.stdev(b) if len(b) > 1 else 0.0
        tolerance = k * (sd_a ** 2 / len(a) + sd_b ** 2 / len(b)) ** 0.5
        diff = statistics.fmean(a) - statistics.fmean(b)
        out[metric] = {"paper_mean": round(statistics.fmean(a), 3), "paper_sd": round(sd_a, 3),
                       "lab_mean": round(statistics.fmean(b), 3), "lab_sd": round(sd_b, 3),
                       "difference": round(diff, 3), "tolerance": round(tolerance, 3),
                       "agree": abs(diff) <= tolerance}
    return out


def compare(config_path: str, model_path: str, seeds: list[int], duration_s: float) -> dict:
    lab = [lab_run(config_path, model_path, s, duration_s) for s in seeds]
    with tempfile.TemporaryDirectory(prefix="lab-agreement-") as tmp:
        paper = [paper_run(config_path, model_path, s, duration_s, Path(tmp)) for s in seeds]
    metrics = agreement(paper, lab)
    return {"config": config_path, "model": model_path, "seeds": seeds, "duration_s": duration_s,
            "k_standard_errors": K_STANDARD_ERRORS, "paper": paper, "lab": lab,
            "metrics": metrics, "agree": all(m["agree"] for m in metrics.values())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="config/paper.yaml")
    ap.add_argument("--model", default="config/models/default.yaml")
    ap.add_argument("--seeds", type=int, default=5, help="seeds 1..N")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds per run")
    args = ap.parse_args()
    print(json.dumps(compare(args.config, args.model, list(range(1, args.seeds + 1)),
                             args.duration)))


if __name__ == "__main__":
    main()
