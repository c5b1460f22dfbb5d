"""The lab's speed: simulated hours of one market per wall minute (`alt-wide`, the paper config,
seed 1). Target: one simulated hour in at most 60 s, i.e. >= 1.0. Last line: one JSON object."""
from __future__ import annotations

import argparse
import json

from hedge.infra.config import load_config
from hedge.lab.trial import run_trial
from hedge.market.model_file import load_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=1.0)
    args = ap.parse_args()
    figures = run_trial(load_config("config/paper.yaml"),
                        load_model("config/models/alt-wide.yaml"), 1, args.hours)
    print(json.dumps({"lab_sim_hours_per_wall_minute": round(args.hours / (figures["wall_s"] / 60), 3),
                      "lab_trial_wall_s": figures["wall_s"], "lab_sim_hours": args.hours,
                      "lab_fills": figures["fills"]}))


if __name__ == "__main__":
    main()
