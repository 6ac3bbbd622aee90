"""Shared fixtures: the tiny data folder written for the tests, and the real data folder.

The Hugging Face libraries are told to stay offline before anything imports them, so no
test waits on the network (this machine has none; CI neither).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

TESTS = Path(__file__).resolve().parent
#: Tiny files in the real XTREME-R layouts, written for these tests (no real data copied).
TINY_DATA = TESTS / "fixtures" / "data"
#: The read-only folder of real XTREME-R files beside the repository (absent on most machines).
REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "xtremer-data"


@pytest.fixture(scope="session")
def tiny_data_dir() -> Path:
    return TINY_DATA


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    if not (REAL_DATA / "MANIFEST.md").is_file():
        pytest.skip(f"real XTREME-R data folder not present at {REAL_DATA.name} beside the repository")
    return REAL_DATA


def parse_manifest(path: Path) -> dict[str, tuple[int, str]]:
    """file (relative path) -> (example count, sha256) from MANIFEST.md's Files table.

    The count is the first integer of the ``examples`` column ("5010 examples (no labels)",
    "1000 sentences / 21329 tokens", "1190 questions / 240 paragraphs / 48 articles").
    """
    table: dict[str, tuple[int, str]] = {}
    header: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = None if not line.strip() else header
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if "file" in cells and "examples" in cells:
            header = cells
            continue
        if header is None or len(cells) != len(header) or set(cells[0]) <= set("-"):
            continue
        row = dict(zip(header, cells, strict=True))
        count = re.search(r"\d+", row["examples"])
        if count:
            table[row["file"].strip("`")] = (int(count.group()), row["sha256"].strip("`"))
    return table


@pytest.fixture(scope="session")
def manifest(real_data_dir: Path) -> dict[str, tuple[int, str]]:
    return parse_manifest(real_data_dir / "MANIFEST.md")
