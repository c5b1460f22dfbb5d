"""Open a report in a real headless Chromium (Debian's, driven by its own --dump-dom and
--screenshot) and read back what rendered: plotted points per plot, script errors, header cells.

A probe is injected into a copy of the page: it records script errors from the first script on,
and once the page has loaded it counts, per plot, the data points plotly drew (markers, bars,
line paths) and writes the counts and the errors into the DOM that --dump-dom prints.
"""
from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.setup_browser import find_browser

PROBE_HEAD = """<script>window.__errors=[];window.addEventListener('error',function(e){
window.__errors.push(String(e.message||e));});</script>"""
PROBE_END = """<script>window.addEventListener('load',function(){setTimeout(function(){
var out={plots:{},errors:window.__errors};
document.querySelectorAll('[data-plot]').forEach(function(s){var d=s.querySelector('.plotly-graph-div');
 if(!d){out.plots[s.dataset.plot]=null;return;}
 var n=0;(d.data||[]).forEach(function(t){n+=(t.x||[]).length;});
 out.plots[s.dataset.plot]={traces:(d.data||[]).length,points:n,
  drawn:d.querySelectorAll('path.point, .bars path, path.js-line').length,
  svg:d.querySelectorAll('svg.main-svg').length};});
var pre=document.createElement('pre');pre.id='probe';pre.textContent=JSON.stringify(out);
document.body.appendChild(pre);},300);});</script>"""


@dataclass
class Rendered:
    plots: dict
    errors: list[str]
    header: dict[str, str]
    console_errors: list[str]
    screenshot: Path


def browser_or_skip() -> str:
    path = find_browser()
    if path is None:
        pytest.skip("no Chromium installed and none could be installed (see `python "
                    "tests/setup_browser.py`): the report cannot be checked in a browser")
    return path


def render(report: Path, out_dir: Path) -> Rendered:
    browser = browser_or_skip()
    page = report.read_text(encoding="utf-8")
    probe = out_dir / "probe.html"
    probe.write_text(page.replace("<head>", "<head>" + PROBE_HEAD, 1)
                     .replace("</body>", PROBE_END + "</body>", 1), encoding="utf-8")
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--disable-extensions", "--user-data-dir=" + str(out_dir / "profile"),
             "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000"]
    dom = subprocess.run(flags + ["--dump-dom", probe.as_uri()], capture_output=True, text=True,
                         timeout=120)
    shot = out_dir / "report.png"
    subprocess.run(flags + ["--window-size=1280,3400", f"--screenshot={shot}", report.as_uri()],
                   capture_output=True, text=True, timeout=120)
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert match, f"the probe did not run: {dom.stderr[-2000:]}"
    data = json.loads(_unescape(match.group(1)))
    header = {k: _unescape(v) for k, v in re.findall(r'<td data-key="(\w+)">(.*?)</td>', dom.stdout)}
    console = [line for line in dom.stderr.splitlines()
               if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)]
    return Rendered(data["plots"], data["errors"], header, console, shot)


def _unescape(text: str) -> str:
    return (text.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
            .replace("&amp;", "&"))
