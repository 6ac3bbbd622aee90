"""``xtremer-robust tasks``: the JSON document on the real folder, the tables, and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xtremer_robust.cli import app
from xtremer_robust.data.local import local_files
from xtremer_robust.languages import all_languages
from xtremer_robust.tasks import get_task

runner = CliRunner()


def test_json_on_the_real_folder(real_data_dir: Path, manifest: dict) -> None:
    result = runner.invoke(app, ["tasks", "--data-dir", str(real_data_dir), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert len(document["tasks"]) == 12  # the ten XTREME-R tasks, PAWS-X, lareqa_monolingual
    assert set(document["languages"]) == set(all_languages()) and len(document["languages"]) == 50
    states = {}
    for task in document["tasks"]:
        spec = get_task(task["name"])
        assert task["family"] == spec.family.name and task["metric"] == spec.metric and task["licence"]
        for entry in task["sets"]:
            states[(task["name"], entry["language"], entry["split"])] = entry["state"]
            if entry["state"] == "ok":
                files = local_files(spec, entry["language"], entry["split"], real_data_dir)
                assert entry["count"] == sum(manifest[f][0] for f in files), (task["name"], entry)
    assert states[("xnli", "sw", "test")] == "ok"
    assert states[("panx", "th", "dev")] == "missing"
    assert states[("tydiqa", "ar", "test")] == "unavailable"
    assert states[("mewslix", "ja", "test")] == "unavailable"
    mewslix = next(t for t in document["tasks"] if t["name"] == "mewslix")
    assert "scraping pipeline" in mewslix["sets"][0]["message"]


def test_tables_for_humans(tiny_data_dir: Path) -> None:
    result = runner.invoke(app, ["tasks", "--data-dir", str(tiny_data_dir), "--tasks", "xnli,tydiqa"])
    assert result.exit_code == 0, result.output
    assert "xnli" in result.stdout and "tydiqa" in result.stdout
    assert "5010" not in result.stdout and "missing" in result.stdout and "unavailable" in result.stdout


def test_without_a_data_folder_lists_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XTREMER_ROBUST_DATA", raising=False)
    result = runner.invoke(app, ["tasks", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["source"] == "hub" and all("sets" not in t for t in document["tasks"])


def test_environment_variable_names_the_folder(monkeypatch: pytest.MonkeyPatch, tiny_data_dir: Path) -> None:
    monkeypatch.setenv("XTREMER_ROBUST_DATA", str(tiny_data_dir))
    result = runner.invoke(app, ["tasks", "--json", "--tasks", "xcopa"])
    document = json.loads(result.stdout)
    counts = {(s["language"], s["split"]): s["count"] for s in document["tasks"][0]["sets"] if s["state"] == "ok"}
    assert counts == {("qu", "test"): 2, ("en", "dev"): 2}


def test_bad_folder_exits_2_without_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tasks", "--data-dir", str(tmp_path / "absent")])
    assert result.exit_code == 2
    assert "is not a folder" in result.output and "Traceback" not in result.output


def test_unknown_task_suggests_the_close_name(tiny_data_dir: Path) -> None:
    result = runner.invoke(app, ["tasks", "--data-dir", str(tiny_data_dir), "--tasks", "xnlii"])
    assert result.exit_code == 2
    assert "Did you mean 'xnli'?" in result.output and "Traceback" not in result.output


def test_malformed_file_exits_2_naming_file_and_line(tiny_data_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(tiny_data_dir, data)
    (data / "xnli" / "dev-sw.tsv").write_text("a\tb\tneutral\na\tb\n", encoding="utf-8")
    result = runner.invoke(app, ["tasks", "--data-dir", str(data), "--tasks", "xnli", "--json"])
    assert result.exit_code == 2
    assert "dev-sw.tsv, line 2" in result.stderr and "expected 3" in result.stderr
    assert "Traceback" not in result.output
    document = json.loads(result.stdout)  # the survey is still printed for machines
    errors = [s for s in document["tasks"][0]["sets"] if s["state"] == "error"]
    assert [(s["language"], s["split"]) for s in errors] == [("sw", "dev")]
