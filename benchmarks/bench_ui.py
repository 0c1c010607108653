"""Web UI timings: ``wildcards-gen ui`` start to listening, and a click to a Tencent balanced preview (not a test).

Start: the console script is started on a warm cache and timed until it prints
its address (the socket listens by then) and until it answers ``/api/info``.
Preview: Debian's Chromium (Playwright) loads the page, chooses Tencent with
the balanced preset and clicks Generate; timed from the click until the tree is
on the page. The first preview after a start is reported apart (the fork
server may still be loading), then the median of ``--repeat`` more. Also: the
import time of Gradio, when ``--gradio PYTHON`` names an interpreter that has it.

    .venv/bin/python benchmarks/bench_ui.py [--repeat 7] [--gradio /path/to/python]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("WILDCARDS_GEN_SHARED_DATA", ROOT.parent / "shared" / "data"))
BIN = Path(sys.executable).parent / "wildcards-gen"
HIERARCHY = str(SHARED / "tencent" / "dictionary_and_semantic_hierarchy.txt")
CHROMIUM = os.environ.get("WILDCARDS_GEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def start() -> tuple[subprocess.Popen, str, float, float]:
    """A server, its address, seconds to its address line and to its first answer."""
    began = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN), "ui", "--port", "0", "--no-browser"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert process.stderr is not None
    while True:
        line = process.stderr.readline()
        if not line:
            raise SystemExit("the server ended before it listened")
        found = re.search(r"http://\S+/", line)
        if found:
            break
    listening = time.perf_counter() - began
    with urllib.request.urlopen(found.group(0) + "api/info", timeout=30) as response:
        response.read()
    return process, found.group(0), listening, time.perf_counter() - began


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)


def previews(url: str, repeat: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#g-dataset option", state="attached")
        page.uncheck("#g-live")
        page.select_option("#g-dataset", "tencent")
        page.fill("#g-opt-hierarchy_file", HIERARCHY)
        page.select_option("#g-preset", "balanced")
        for _ in range(repeat + 1):
            page.evaluate("document.getElementById('generate-tree').replaceChildren()")
            began = time.perf_counter()
            page.click("#g-run")
            page.wait_for_selector("#generate-tree details", timeout=120_000)
            times.append(time.perf_counter() - began)
        browser.close()
    return times


def gradio_import(python: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        subprocess.run([python, "-c", "import gradio"], check=True, capture_output=True)
        times.append(time.perf_counter() - began)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--gradio", default=None, help="an interpreter with gradio installed, to time its import")
    args = parser.parse_args()
    process, _, _, _ = start()  # warm the cache: WordNet snapshot, entry points, bytecode
    stop(process)
    listening, answering = [], []
    for _ in range(args.repeat):
        process, _, until_listening, until_answer = start()
        listening.append(until_listening)
        answering.append(until_answer)
        stop(process)
    process, url, _, _ = start()
    try:
        times = previews(url, args.repeat)
    finally:
        stop(process)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}")
    print(f"start to listening:       median {statistics.median(listening):.3f} s (fastest {min(listening):.3f} s)")
    print(f"start to first answer:    median {statistics.median(answering):.3f} s (fastest {min(answering):.3f} s)")
    print(f"click to Tencent preview: first {times[0]:.3f} s, then median {statistics.median(times[1:]):.3f} s")
    print(f"                          (fastest {min(times[1:]):.3f} s, slowest {max(times[1:]):.3f} s)")
    if args.gradio:
        imports = gradio_import(args.gradio, args.repeat)
        print(f"python -c 'import gradio': median {statistics.median(imports):.3f} s (fastest {min(imports):.3f} s)")


if __name__ == "__main__":
    main()
