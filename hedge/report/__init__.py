"""The run report: one self-contained HTML page built from a run directory's files alone.

It reads bot.log, ws_lighter.jsonl, trades.csv, summary.json (and nothing of hedge/app), so a
run directory copied to another machine gives the same report.
"""
