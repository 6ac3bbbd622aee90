"""Walk every command of the Typer app with bad arguments: exit code 2, a message, no traceback.

The cases are generated from the app itself (every command, every argument and option, typed
by its annotation), so a command added later is fuzzed without new test code. Each case runs
in an empty working folder with an empty data folder and the Hub offline, so no case can
start real work; each is bounded in time (a hang fails it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import typer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers.safety import bounded, clean_exit, cli  # noqa: E402

from xtremer_robust.cli import app  # noqa: E402

#: Text an argument can hold that must never crash a command (markup, escapes, traversal...).
HOSTILE_TEXT = ["[/]", "../../../x", "\x1b[31mred", "[bold]x", "a,,b", "tpu", "-1", "\u202e", "x" * 300]
MISSING = "/nonexistent-xr/[/]missing"
BAD_NUMBERS = ["abc", "1.5.2", ""]


def _commands() -> dict[str, Any]:
    return dict(typer.main.get_command(app).commands)


def _annotation(param: Any) -> Any:
    return getattr(getattr(param, "type_descriptor", None), "annotation", str)


def _is_path(param: Any) -> bool:
    annotation = _annotation(param)
    return annotation is Path or "Path" in str(annotation)


def _required_args(command: Any, **override: str) -> list[str]:
    """A hostile but well-typed value for every required argument and option (``override`` by name)."""
    args: list[str] = []
    for param in command.params:
        if not param.required and param.name not in override:
            continue
        value = override.get(param.name, MISSING if _is_path(param) else "/nonexistent-xr/model")
        args += [value] if param.param_type_name == "argument" else [param.opts[0], value]
    return args


def _is_number(param: Any) -> bool:
    annotation = _annotation(param)
    return annotation in (int, float) or str(annotation) in ("typing.Optional[int]", "typing.Optional[float]", "int | None", "float | None")


def _cases() -> Iterator[tuple[str, list[str]]]:
    for name, command in sorted(_commands().items()):
        base = _required_args(command)
        yield name, ["--no-such-option", *base]
        yield name, [*base, "extra-argument-1", "extra-argument-2", "extra-argument-3"]
        for param in command.params:
            if param.param_type_name == "argument":
                for value in ([MISSING, "[/]", "\x1b[2J"] if _is_path(param) else HOSTILE_TEXT[:3]):
                    yield name, _required_args(command, **{param.name: value})
                continue
            flag = param.opts[0]
            if getattr(param, "is_flag", False):
                yield name, [*base, f"{flag}=maybe"]
                continue
            values = BAD_NUMBERS if _is_number(param) else [MISSING, "\x1b[2J/[/]"] if _is_path(param) else HOSTILE_TEXT[:4]
            for value in values:
                yield name, [*base, flag, value]
            yield name, [*base, flag]  # the value itself missing


CASES = list(_cases())


@pytest.fixture()
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder, an empty data folder, the Hub offline, caches under tmp."""
    data = tmp_path / "empty-data"
    data.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XTREMER_ROBUST_DATA", str(data))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def test_every_command_is_walked() -> None:
    names = {name for name, _ in CASES}
    assert names == set(_commands()) and len(names) >= 10
    assert len(CASES) >= 300


@pytest.mark.parametrize("name, args", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_bad_arguments_exit_2_without_traceback(sandbox: Path, name: str, args: list[str]) -> None:
    with bounded(120):
        outcome = cli([name, *args])
    clean_exit(outcome, 2)
    assert "\x1b[2J" not in outcome.output and "\x1b[31m" not in outcome.output


def test_no_command_and_unknown_command() -> None:
    clean_exit(cli(["no-such-command"]), 2)
    clean_exit(cli(["--no-such-flag"]), 2)


# --- the same hostile values behind valid required arguments ---------------------------------
# Here a value may be accepted (free text such as --intermediate-task, any output folder): the
# property is exit 0 or 2, no traceback, and nothing written outside the sandbox.

VALID_COMMANDS = ["validate", "compare", "leaderboard", "submit", "merge-shards", "build-subsets", "tasks"]


@pytest.fixture(scope="module")
def valid_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    from helpers.safety import TINY_DATA
    from test_report_fakerun import make_score_run
    from test_safety_paths import _shard

    from xtremer_robust.report.submission import build_submission

    root = tmp_path_factory.mktemp("valid")
    run = make_score_run(root / "run", n_items=8)
    build_submission(run, out=root / "subs" / "a.json", n_resamples=20)
    a, b = _shard(root / "sa", 0, 2, [0]), _shard(root / "sb", 1, 2, [1])
    sub = str(root / "subs" / "a.json")
    return {
        "validate": [sub], "compare": [sub, sub, "--n-resamples", "20"], "leaderboard": [str(root / "subs"), "--no-plots"],
        "submit": [str(run), "--n-resamples", "20", "--out", "sub-out/s.json"], "merge-shards": [str(a), str(b), "--out", "m"],
        "build-subsets": ["--data-dir", str(TINY_DATA), "--tasks", "xnli", "--langs", "sw", "--recipes", "clean", "--out", "b",
                          "--no-generalized"],
        "tasks": ["--data-dir", str(TINY_DATA), "--tasks", "xnli"],
    }


def _without(base: list[str], flag: str) -> list[str]:
    out, skip = [], False
    for arg in base:
        if skip:
            skip = False
            continue
        if arg == flag:
            skip = True
            continue
        out.append(arg)
    return out


def _valid_cases() -> Iterator[tuple[str, str, str]]:
    commands = _commands()
    for name in VALID_COMMANDS:
        for param in commands[name].params:
            if param.param_type_name == "argument" or getattr(param, "is_flag", False) or param.name in ("attack", "reference"):
                continue
            values = BAD_NUMBERS[:1] + ["-5", "0"] if _is_number(param) else ["\x1b[2J/[/]", "../../../outside"] if _is_path(param) else HOSTILE_TEXT[:4]
            for value in values:
                yield name, param.opts[0], value


VALID_CASES = list(_valid_cases())


@pytest.mark.parametrize("name, flag, value", VALID_CASES, ids=[f"{n}{f}-{i}" for i, (n, f, _) in enumerate(VALID_CASES)])
def test_hostile_options_behind_valid_arguments(valid_inputs: dict[str, list[str]], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch, name: str, flag: str, value: str) -> None:
    work = tmp_path / "a" / "b" / "c" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    neighbours = set(tmp_path.parent.iterdir())
    with bounded(120):
        outcome = cli([name, *_without(valid_inputs[name], flag), flag, value])
    assert outcome.code in (0, 2), outcome.output
    clean_exit(outcome, outcome.code)
    assert "\x1b[2J" not in outcome.output
    assert set(tmp_path.parent.iterdir()) <= neighbours | {tmp_path}  # nothing written beside the sandbox
