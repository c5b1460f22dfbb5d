#!/usr/bin/env python3
"""Make sure a headless Chromium is there for the report's browser tests.

Idempotent and fast when one is installed. When none is, and this is a Debian-like machine
where we are root, install Debian's `chromium` with apt-get; otherwise say why not. Never fails
the test command: the browser tests skip with this reason when no browser could be installed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def main() -> int:
    found = find_browser()
    if found:
        print(f"setup_browser: {found} is installed; nothing to do")
        return 0
    if not shutil.which("apt-get"):
        print("setup_browser: no chromium and no apt-get here: the browser tests will skip")
        return 0
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        print("setup_browser: no chromium, and installing it needs root "
              "(sudo apt-get install -y chromium): the browser tests will skip")
        return 0
    print("setup_browser: installing Debian's chromium with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends",
                                            "chromium"]):
        result = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        if result.returncode != 0:
            tail = result.stderr.strip().splitlines()[-1:] or ["?"]
            print(f"setup_browser: `{' '.join(command)}` failed ({tail[0]}): the browser tests "
                  f"will skip")
            return 0
    print(f"setup_browser: installed {find_browser()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
