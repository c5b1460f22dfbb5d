"""The lab's sanity triangle and its determinism, on tiny models (seconds each): the real
strategy against the market model in virtual time."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hedge.cli.main import main
from hedge.infra.config import load_config
from hedge.lab.command import LabOptions, run_lab
from hedge.lab.trial import run_trial
from hedge.market.model_file import MarketModel, with_changes

PAPER = "config/paper.yaml"
# A Lighter book wide enough that the bot's quote (fee 4 bp + min profit) is its touch;
# lots of 0.001 so every fill is a whole hedge (nothing carried below the hedge's step).
BASE = with_changes(MarketModel(),
                    fair={"vol_bps_per_sqrt_s": 0.0, "start": 3000.0},
                    hedge={"half_spread_bps": 0.5, "taker_fee_bps": 4.0},
                    lighter={"lag_ms": 0.0, "basis_sd_bps": 0.0, "half_spread_bps": 20.0,
                             "lot": 0.001},
                    uninformed={"per_s": 1.0, "size_median_base": 0.01, "size_sigma": 0.0},
                    informed={"per_s_max": 0.0})
HOURS = 0.01        # 36 simulated seconds


def trial(model: MarketModel = BASE, seed: int = 1, hours: float = HOURS, **overrides) -> dict:
    return run_trial(load_config(PAPER, overrides), model, seed, hours)


def test_same_config_model_and_seed_give_the_same_trial():
    model = with_changes(BASE, fair={"vol_bps_per_sqrt_s": 2.0},
                         informed={"per_s_max": 1.0, "threshold_bps": 2.0})
    first, second = trial(model, seed=7), trial(model, seed=7)
    first.pop("wall_s"), second.pop("wall_s")
    assert first["fills"] > 0
    assert first == second
    assert trial(model, seed=8)["pnl_quote"] != first["pnl_quote"]


def test_without_noise_the_fill_earns_its_spread_less_fees():
    """Sparse flow, so no two fills share a hedge: netting a bid against an ask saves the hedge
    spread, a gain the split counts in execution."""
    t = trial(with_changes(BASE, uninformed={"per_s": 0.3}), hours=0.03)
    split = t["split_bps"]
    assert t["fills"] >= 5
    for part in ("adverse", "latency", "execution"):
        assert abs(split[part]) < 0.1, (part, split)
    assert t["pnl_per_fill_bps"] == pytest.approx(split["spread"] + split["fees"], abs=0.1)
    assert sum(split.values()) == pytest.approx(t["pnl_per_fill_bps"], abs=1e-9)
    assert split["spread"] > 0 and split["fees"] < 0


@pytest.mark.slow   # seconds of work: the whole suite runs it
def test_informed_flow_alone_loses_on_every_setting_that_fills():
    """Informed takers land 100 ms after a jump, before a standard account's 200 ms cancel:
    a cancel-at-the-loss-line quote wins the race against the tier's own 300 ms taker, and
    widens with volatility, so only fast takers and frequent jumps reach it."""
    toxic = with_changes(BASE, fair={"vol_bps_per_sqrt_s": 4.0, "jumps_per_hour": 600,
                                     "jump_bps": 15},
                         uninformed={"per_s": 0.0},
                         informed={"per_s_max": 5.0, "threshold_bps": 1.0, "size_base": 0.05,
                                   "delay_ms": 100})
    filled = 0
    for min_profit in (0, 2, 5):
        t = trial(toxic, hours=0.05, **{"strategy.min_profit_bps": min_profit})
        if t["fills"]:
            filled += 1
            assert t["pnl_per_fill_bps"] < 0, (min_profit, t)
    assert filled


@pytest.mark.slow   # seconds of work: the whole suite runs it
def test_pnl_per_fill_rises_with_min_profit_under_uninformed_flow():
    """Lighter's background is thin beyond 2 bp, so the quote (4.5-12.5 bp out) is the only
    depth there and takers that walk the book reach it whatever min_profit_bps is."""
    thin = with_changes(BASE, fair={"vol_bps_per_sqrt_s": 1.0},
                        lighter={"half_spread_bps": 2.0, "level_base": 0.001, "levels": 5},
                        uninformed={"per_s": 0.5, "size_median_base": 0.05, "size_sigma": 0.3})
    per_fill = [trial(thin, hours=0.03, **{"strategy.min_profit_bps": p})["pnl_per_fill_bps"]
                for p in (0, 4, 8)]
    assert None not in per_fill
    assert per_fill[0] < per_fill[1] < per_fill[2], per_fill


@pytest.mark.slow   # seconds of work: the whole suite runs it
def test_search_finds_the_best_point_of_a_small_grid(tmp_path: Path):
    model_path = tmp_path / "model.yaml"
    model_path.write_text(
        "model:\n  fair: {vol_bps_per_sqrt_s: 0, start: 3000}\n"
        "  hedge: {half_spread_bps: 0.5}\n"
        "  lighter: {lag_ms: 0, basis_sd_bps: 0, half_spread_bps: 2, level_base: 0.001,\n"
        "            levels: 5, lot: 0.001}\n"
        "  uninformed: {per_s: 0.5, size_median_base: 0.05, size_sigma: 0.3}\n")
    options = LabOptions(config=PAPER, model=str(model_path), hours=0.01, seeds=[1],
                         sets=["strategy.min_profit_bps=0,3,6"], search=6, out=tmp_path / "out")
    result = run_lab(options)
    assert result["best"]["params"] == {"strategy.min_profit_bps": 6}
    assert (tmp_path / "out" / "study.db").exists()
    assert "min_profit_bps: 6" in (tmp_path / "out" / "best.yaml").read_text()


def test_the_command_prints_json_last_and_refuses_a_bad_key(tmp_path: Path, capsys):
    assert main(["lab", "--set", "strategy.min_proft_bps=1,2", "--seed", "1",
                 "--out", str(tmp_path / "bad")]) == 2
    assert "strategy.min_proft_bps" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
    assert main(["lab", "--model", "config/models/alt-wide.yaml", "--hours", "0.005",
                 "--seeds", "2", "--out", str(tmp_path / "ok"), "--json"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads(last)
    assert [t["seed"] for t in result["trials"]] == [1, 2]
    assert result["groups"][0]["seeds"] == [1, 2] and result["best"] is not None
    assert {"results.csv", "lab.html", "best.yaml"} <= {p.name for p in (tmp_path / "ok").iterdir()}


@pytest.mark.slow   # seconds of work: the whole suite runs it
def test_a_named_study_resumes_and_a_bad_storage_is_refused(tmp_path: Path, capsys):
    import optuna
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    args = ["lab", "--model", "config/models/alt-wide.yaml", "--hours", "0.002", "--seed", "1",
            "--set", "strategy.min_profit_bps=0..4", "--search", "2", "--storage", storage,
            "--study", "resume-me"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    assert main(args + ["--out", str(tmp_path / "b")]) == 0
    assert len(optuna.load_study(study_name="resume-me", storage=storage).trials) == 4
    capsys.readouterr()
    assert main(args[:-4] + ["--storage", "nosuchdb://x", "--out", str(tmp_path / "c")]) == 2
    assert "--storage nosuchdb://x" in capsys.readouterr().err
