"""Plain text where text is data: no markup parser on messages, names or cells; inert Markdown;
no control characters on the terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers.safety import clean_exit, cli  # noqa: E402
from test_report_fakerun import make_score_run  # noqa: E402

from xtremer_robust.cli.common import plain  # noqa: E402
from xtremer_robust.report.leaderboard import collect_leaderboard, md_text, render_markdown  # noqa: E402
from xtremer_robust.report.submission import build_submission  # noqa: E402

ESC = "\x1b"


@pytest.mark.parametrize("name", ["[/]", "[bold]x[/bold]", "[red]", "a[/]b[/]", ":smile:", "[link=file:/etc]x[/link]"])
def test_a_path_holding_markup_is_printed_as_itself(tmp_path: Path, name: str) -> None:
    target = tmp_path / f"{name}.json"
    flat = clean_exit(cli(["validate", target]), 2)
    assert f"{name}.json" in flat  # printed verbatim: no MarkupError, no text swallowed


def test_bracketed_text_survives_in_messages() -> None:
    flat = clean_exit(cli(["tasks", "--tasks", "^[a-z]{2}$"]), 2)
    assert "'^[a-z]{2}$'" in flat


@pytest.mark.parametrize("payload", [f"{ESC}[31mred", f"{ESC}]0;title\x07", "\x9b31m", "a\u202eevil", "\x08\x08\x08x"])
def test_control_characters_never_reach_the_terminal(payload: str) -> None:
    outcome = cli(["tasks", "--tasks", payload])
    clean_exit(outcome, 2, "Unknown task")
    assert ESC not in outcome.output and "\x9b" not in outcome.output and "\u202e" not in outcome.output
    assert "\x07" not in outcome.output and "\x08" not in outcome.output


def test_plain_keeps_text_and_layout_but_drops_controls() -> None:
    assert plain("a\tb\nc") == "a\tb\nc"
    assert plain(f"x{ESC}[2Jy\x00z\x7f\x85") == "x[2Jyz"
    assert plain("lone \ud800 surrogate") == "lone \ufffd surrogate"
    assert plain("[/] stays") == "[/] stays"


PAYLOAD = (f"[red]x[/]{ESC}[2J<img src=x onerror=alert(1)> [x](javascript:alert(1)) https://evil.example/ "
           "<script>alert(2)</script>")


@pytest.fixture(scope="module")
def hostile_board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    run = make_score_run(root / "run", n_items=12)
    build_submission(run, out=root / "subs" / "a.json", n_resamples=20, intermediate_task=PAYLOAD, intermediate_steps=10)
    (root / "subs" / f"[red]bad[blink]{ESC}[2J.json").write_text('{"cells": [1e309]}')  # rejected: its name and reason are shown
    return root / "subs"


def test_leaderboard_terminal_table_shows_ids_as_text(hostile_board: Path) -> None:
    outcome = cli(["leaderboard", hostile_board])
    clean_exit(outcome, 0)
    assert ESC not in outcome.output
    flat = outcome.output.replace("\n", "")
    assert "[red]" in flat and "rejected [red]bad[blink]" in " ".join(outcome.output.split())  # shown, not applied


def test_leaderboard_markdown_is_inert(hostile_board: Path) -> None:
    text = render_markdown(collect_leaderboard(hostile_board))
    assert "<img" not in text and "<script" not in text and "](javascript:" not in text
    assert "https://evil" not in text and ESC not in text
    assert "&lt;script&gt;" in text and "\\[x\\]\\(javascript:" in text


@pytest.mark.parametrize("raw, forbidden", [
    ("<b>x</b>", "<b>"), ("[a](http://x)", "](http"), ("![i](x.png)", "!["), ("`code`", "`code`"),
    ("a|b", " a|b"), ("line\nbreak", "\n"), ("<https://x>", "<https"), ("www.evil.example", "www.evil"),
    ("&lt;b&gt;", "&lt;b&gt;"), ("*em*", "*em*"), ("~~s~~", "~~s~~"),
])
def test_md_text_neutralises(raw: str, forbidden: str) -> None:
    assert forbidden not in md_text(raw)


def test_md_text_leaves_plain_names_readable() -> None:
    assert md_text("org/model-1.0_base") == "org/model-1.0_base"
    assert md_text("char_swap_10") == "char_swap_10"
