"""The package surface, the CLI root, and the CI script's link to the README."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from typer.testing import CliRunner

import xtremer_robust
from xtremer_robust.cli import app
from xtremer_robust.errors import ConfigError, DataError, XtremerError, unknown_name

ROOT = Path(__file__).resolve().parents[1]


def test_version_matches_pyproject() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{xtremer_robust.__version__}"' in text


def test_cli_version_and_help() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert xtremer_robust.__version__ in result.output
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("tasks", "build-subsets", "score"):
        assert command in result.output


def test_error_hierarchy_and_did_you_mean() -> None:
    assert issubclass(ConfigError, XtremerError) and issubclass(DataError, XtremerError)
    err = unknown_name("task", "xnlii", ["xnli", "xcopa"])
    assert "Did you mean 'xnli'?" in str(err) and "Available: xcopa, xnli" in str(err)
    located = DataError("bad column count", path="x/y.tsv", line=7)
    assert str(located).startswith("x/y.tsv, line 7: ")


def _block(tag: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- ci:{tag} -->\s*```(?:bash|sh)?\n(.*?)```", text, re.S)
    assert match, f"README.md lacks the ci:{tag} block"
    return match.group(1).strip()


def test_ci_script_runs_the_readme_commands() -> None:
    """.ci/run extracts exactly the README's install and test commands."""
    script = ROOT / ".ci" / "run"
    extracted = subprocess.run(
        ["bash", "-c", f"source <(sed -n '/^block()/,/^}}/p' {script}); cd {ROOT}; block install; echo ===; block test"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    install, test = (part.strip() for part in extracted.split("==="))
    assert install == _block("install")
    assert test == _block("test")
    assert "pip install" in install and "pytest" in test
