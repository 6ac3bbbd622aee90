"""``leaderboard DIR``: rank the valid submissions of a folder; render as rows, Markdown, HTML.

Every ``*.json`` in DIR (and one folder level below) is validated in full; files that fail are
listed with their reason instead of being ranked. The ranking is by the overall clean score
(mean over (task, split) groups, the submission's stated convention); submissions that cover
different tasks are not comparable on that number, so the table shows how many tasks each
covers and whether its overall figure is complete. Numbers are shown x100 as XTREME does,
with their 95% intervals in brackets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xtremer_robust.errors import SchemaError
from xtremer_robust.schema import CLEAN
from xtremer_robust.report.validate import load_submission

__all__ = ["Entry", "Leaderboard", "collect_leaderboard", "table_columns", "table_rows", "tier_rows", "render_markdown", "md_text"]


@dataclass(frozen=True)
class Entry:
    """One valid submission and the numbers the leaderboard shows."""

    path: Path
    doc: dict[str, Any]

    @property
    def model(self) -> str:
        model = self.doc["model"]
        inter = model["intermediate_task"]
        suffix = f" +{inter['name']}@{inter['steps']}" if inter.get("name") else ""
        return f"{model['id']}{suffix}"

    def aggregate(self, kind: str, scope: str, variant: str) -> dict[str, Any] | None:
        for bucket in ("per_task", "per_tier", "overall"):
            for agg in self.doc["aggregates"][bucket]:
                if (agg["kind"], agg["scope"], agg["variant"]) == (kind, scope, variant):
                    return agg
        return None

    @property
    def variants(self) -> list[str]:
        return sorted({c["variant"] for c in self.doc["cells"]} - {CLEAN})

    @property
    def tasks(self) -> list[str]:
        return sorted({c["task"] for c in self.doc["cells"]})


@dataclass(frozen=True)
class Leaderboard:
    entries: list[Entry]  # ranked, best first
    rejected: list[tuple[Path, str]]

    @property
    def variants(self) -> list[str]:
        return sorted({v for e in self.entries for v in e.variants})

    @property
    def tasks(self) -> list[str]:
        return sorted({t for e in self.entries for t in e.tasks})


_SCALED = {
    "cells": ("score", "ci_low", "ci_high"),
    "gaps": ("clean_score", "perturbed_score", "gap", "ci_low", "ci_high", "mde"),
}


def _as_fractions(doc: dict[str, Any]) -> dict[str, Any]:
    """A percent-scale submission (valid, but rare) converted to fractions, so all rows compare."""
    if doc["statistics"]["score_scale"] != "percent":
        return doc
    for section, keys in _SCALED.items():
        for record in doc[section]:
            for key in keys:
                if isinstance(record.get(key), (int, float)):
                    record[key] /= 100.0
            if isinstance(record.get("secondary"), dict):
                record["secondary"] = {k: v / 100.0 for k, v in record["secondary"].items()}
    for bucket in ("per_task", "per_tier", "overall"):
        for agg in doc["aggregates"][bucket]:
            for key in ("value", "ci_low", "ci_high"):
                agg[key] /= 100.0
    doc["statistics"]["score_scale"] = "fraction"
    return doc


def _candidates(folder: Path) -> list[Path]:
    found = sorted(folder.glob("*.json")) + sorted(folder.glob("*/*.json"))
    return [p for p in found if not p.name.endswith(".schema.json") and p.is_file() and not p.is_symlink()]


def _clean_overall(entry: Entry) -> float:
    agg = entry.aggregate("score", "overall", CLEAN)
    return agg["value"] if agg else float("-inf")


def collect_leaderboard(folder: str | Path) -> Leaderboard:
    """Validate and rank every submission in ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SchemaError(f"leaderboard: '{folder}' is not a folder; pass the folder that holds submission JSON files")
    entries, rejected = [], []
    for path in _candidates(folder):
        try:
            doc, _ = load_submission(path)
        except SchemaError as exc:
            rejected.append((path, str(exc)))
            continue
        entries.append(Entry(path, _as_fractions(doc)))
    if not entries:
        reasons = "; ".join(f"{p.name}: {m}" for p, m in rejected[:3]) or "no *.json files"
        raise SchemaError(f"leaderboard: no valid submission in '{folder}' ({reasons})")
    entries.sort(key=lambda e: (-_clean_overall(e), e.model))
    return Leaderboard(entries, rejected)


def _fmt(agg: dict[str, Any] | None, *, signed: bool = False) -> str:
    if agg is None:
        return "-"
    value, low, high = (100 * agg[k] for k in ("value", "ci_low", "ci_high"))
    sign = "+" if signed else ""
    return f"{value:{sign}.1f} [{low:{sign}.1f}, {high:{sign}.1f}]"


def table_columns(board: Leaderboard) -> list[tuple[str, str]]:
    """(key, header) of every column, in order."""
    cols = [("rank", "Rank"), ("model", "Model"), ("clean", "Clean overall [95% CI]")]
    cols += [(f"gap:{v}", f"Gap {v} [95% CI]") for v in board.variants]
    cols += [(f"task:{t}", t) for t in board.tasks]
    cols += [("coverage", "Tasks"), ("complete", "Complete")]
    return cols


def table_rows(board: Leaderboard) -> list[dict[str, tuple[str, float | str]]]:
    """Each row maps a column key to (shown text, sort value)."""
    rows = []
    for rank, entry in enumerate(board.entries, start=1):
        clean = entry.aggregate("score", "overall", CLEAN)
        row: dict[str, tuple[str, float | str]] = {
            "rank": (str(rank), rank),
            "model": (entry.model, entry.model),
            "clean": (_fmt(clean), clean["value"] if clean else float("-inf")),
        }
        for variant in board.variants:
            gap = entry.aggregate("gap", "overall", variant)
            row[f"gap:{variant}"] = (_fmt(gap, signed=True), gap["value"] if gap else float("inf"))
        for task in board.tasks:
            scopes = [a for a in entry.doc["aggregates"]["per_task"]
                      if a["kind"] == "score" and a["variant"] == CLEAN and a["scope"].startswith(f"task:{task}/")]
            agg = scopes[0] if scopes else None
            row[f"task:{task}"] = (f"{100 * agg['value']:.1f}" if agg else "-", agg["value"] if agg else float("-inf"))
        row["coverage"] = (str(len(entry.tasks)), len(entry.tasks))
        row["complete"] = ("yes" if clean and clean["complete"] else "no", int(bool(clean and clean["complete"])))
        rows.append(row)
    return rows


_TIERS = ("high", "mid", "low")


def tier_rows(board: Leaderboard) -> list[list[str]]:
    """[model, variant, gap high, gap mid, gap low] per (submission, perturbed variant), x100 with CIs."""
    rows = []
    for entry in board.entries:
        for variant in entry.variants:
            rows.append([entry.model, variant] + [_fmt(entry.aggregate("gap", f"tier:{t}", variant), signed=True) for t in _TIERS])
    return rows


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: The characters that make Markdown do something: HTML and entities, links and images,
#: code, emphasis, tables, and the escape itself.
_MD_SPECIAL = re.compile(r"([\\`*\[\]()<>|~&])")
#: GitHub's bare autolinks (``https://...``, ``www.``): broken by an escape, so they stay text.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|www)([:.])")


def md_text(text: object) -> str:
    """Text from a submission as inert Markdown: no HTML, no links, no emphasis, one line.

    Control characters go, line breaks become spaces, and every Markdown-significant
    character is backslash-escaped (``<`` and ``&`` become entities), so a model id such as
    ``<img onerror=...>`` or ``[x](javascript:...)`` shows as the text it is.
    """
    flat = _CONTROL.sub("", str(text).replace("\r", " ").replace("\n", " "))
    escaped = _MD_SPECIAL.sub(lambda m: {"<": "&lt;", ">": "&gt;", "&": "&amp;"}.get(m.group(1), "\\" + m.group(1)), flat)
    return _AUTOLINK.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", escaped)


def _md_header(key: str, header: str) -> str:
    """Our own header words stay readable; the variant or task name inside them is escaped."""
    if key.startswith("gap:"):
        return f"Gap {md_text(key[4:])} \\[95% CI\\]"
    if key.startswith("task:"):
        return md_text(key[5:])
    return header.replace("[", "\\[").replace("]", "\\]")


def _md_cell(key: str, text: str) -> str:
    return md_text(text) if key == "model" else text.replace("|", "\\|")


def render_markdown(board: Leaderboard) -> str:
    """The ranked table as GitHub-flavoured Markdown, with the convention beneath it.

    Everything that comes from a submission (model ids, variant and task names, reasons for
    rejection, file names) passes through :func:`md_text`.
    """
    cols = table_columns(board)
    lines = ["| " + " | ".join(_md_header(k, h) for k, h in cols) + " |", "|" + "|".join(" --- " for _ in cols) + "|"]
    for row in table_rows(board):
        lines.append("| " + " | ".join(_md_cell(k, row[k][0]) for k, _ in cols) + " |")
    lines.append("")
    lines.append(
        "Scores x100 with 95% paired-bootstrap intervals; gap = clean minus perturbed on the same items "
        "(positive = the perturbation hurts). Ranked by the overall clean score; an overall figure is "
        "'complete' only when all ten XTREME-R tasks and their languages are present."
    )
    tiers = tier_rows(board)
    if tiers:
        lines += ["", "Gap by language tier (Joshi classes: high 4-5, mid 3, low 0-2), x100 [95% CI]:", ""]
        lines += ["| Model | Variant | High | Mid | Low |", "| --- | --- | --- | --- | --- |"]
        lines += ["| " + " | ".join(md_text(cell) if i < 2 else cell.replace("|", "\\|") for i, cell in enumerate(row)) + " |"
                  for row in tiers]
    for path, message in board.rejected:
        name = _CONTROL.sub("", path.name).replace("`", "'")  # a code span shows its text literally
        lines.append(f"\nRejected `{name}`: {md_text(message)}")
    return "\n".join(lines) + "\n"
