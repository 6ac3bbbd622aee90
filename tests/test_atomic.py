"""The one atomic-write helper: a complete new file or the old one, never half of one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import xtremer_robust.atomic as atomic
from xtremer_robust.atomic import atomic_write_bytes, atomic_write_text


def test_writes_creates_the_folder_and_keeps_newlines(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.tsv"
    atomic_write_text(target, "x\ny\r\n")
    assert target.read_bytes() == b"x\ny\r\n"  # no platform newline translation
    atomic_write_bytes(target, "ü".encode("utf-8"))
    assert target.read_text(encoding="utf-8") == "ü"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.tsv"]  # no temporary left behind


def test_permissions_follow_the_umask_not_mkstemp(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "f.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.json").stat().st_mode) == 0o644  # mkstemp alone would give 0600


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "results.json"
    target.write_text("old", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_every_writer_goes_through_the_helper() -> None:
    """``os.replace`` appears once in the package's file writers: in the helper (the built-in
    model's folder rename and the training stage's checkpoint rename are folder moves)."""
    root = Path(atomic.__file__).parent
    users = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if "os.replace(" in p.read_text(encoding="utf-8"))
    assert "atomic.py" in users
    assert set(users) - {"atomic.py"} <= {"models/builtin.py", "training/stage.py"}
