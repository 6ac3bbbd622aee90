"""A run killed with SIGKILL mid-way resumes where it stopped and ends with identical results."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from helpers.models import build_model

N_ITEMS = 60

def score_fixture(model: str, out: Path, cache: Path, n: int) -> None:
    """Score ``n`` synthetic XNLI pairs one item per batch (many commits: many places to be killed)."""
    from xtremer_robust.data import PairItem, TaskData
    from xtremer_robust.runner import RunSettings, ScoreOptions, score_cells
    from xtremer_robust.runner.cells import CellPlan
    from xtremer_robust.tasks import get_task

    labels = ["contradiction", "entailment", "neutral"]
    items = tuple(
        PairItem(id=f"p{i}", text_a=f"mtu {i} anasoma kitabu", text_b="kitabu " * (i % 7), label=labels[i % 3]) for i in range(n)
    )
    data = TaskData("xnli", "sw", "test", "pair_classification", items)
    plan = CellPlan(get_task("xnli"), "sw", "test", "clean", lambda: (data, "fixture"))
    score_cells([plan], ScoreOptions(model_id=model, out=out, cache_path=cache, settings=RunSettings(device="cpu", batch_size=1)))


#: The child process: optionally slowed down per batch so that the kill lands mid-run.
SCRIPT = textwrap.dedent(
    f"""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
    from xtremer_robust.families.pair import PairFeaturizer
    from test_runner_resume import score_fixture

    model, out, cache, slow, n = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    if slow:
        original = PairFeaturizer.forward
        def forward(self, model, batch):
            time.sleep(slow)
            return original(self, model, batch)
        PairFeaturizer.forward = forward
    score_fixture(model, out, cache, n)
    """
)


def _rows(cache: Path) -> int:
    if not cache.exists():
        return 0
    try:
        with sqlite3.connect(cache, timeout=5) as db:
            return db.execute("SELECT count(*) FROM predictions").fetchone()[0]
    except sqlite3.OperationalError:  # table not created yet
        return 0


def _run(script: Path, model: Path, out: Path, cache: Path, slow: float) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1"}
    args = [sys.executable, str(script), str(model), str(out), str(cache), str(slow), str(N_ITEMS)]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_resume_after_kill_gives_identical_results(tmp_path: Path) -> None:
    model = build_model(tmp_path / "model", "pair_classification", labels=["contradiction", "entailment", "neutral"])
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    cache = tmp_path / "killed.sqlite"
    victim = _run(script, model, tmp_path / "out-killed", cache, slow=0.2)
    deadline = time.monotonic() + 120
    while _rows(cache) < 8 and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    done_before = _rows(cache)
    assert 8 <= done_before < N_ITEMS, "the run must be killed mid-way for this test to mean anything"
    assert not (tmp_path / "out-killed" / "results.json").exists()  # nothing half-written

    resumed = _run(script, model, tmp_path / "out-killed", cache, slow=0)
    assert resumed.wait(timeout=120) == 0, resumed.stderr.read()[-2000:]
    assert _rows(cache) == N_ITEMS
    score_fixture(str(model), tmp_path / "out-fresh", tmp_path / "fresh.sqlite", N_ITEMS)  # uninterrupted, in process
    killed = json.loads((tmp_path / "out-killed" / "results.json").read_text())["cells"][0]
    clean = json.loads((tmp_path / "out-fresh" / "results.json").read_text())["cells"][0]
    assert killed["items_sha256"] == clean["items_sha256"] and killed["score"] == clean["score"]
