"""Read keyboard layouts from Debian's ``xkb-data`` (the X keyboard symbol files).

Why: typos come from neighbouring keys, and the neighbours of a Hindi typist are those of
the InScript layout, not of QWERTY. ``xkb-data`` (MIT licence) ships the layouts of the
world's keyboards; we parse the four alphanumeric rows of one layout, following its
``include`` chain, and keep levels 1 and 2 (unshifted, shifted) of group 1.

The grids of the 50 XTREME-R languages are extracted once into ``data/keyboards.json`` (so
the package works where ``xkb-data`` is not installed)::

    python -m xtremer_robust.perturb.xkb --write

and a test checks the shipped file against the system's files when they are present.
"""

from __future__ import annotations

import argparse
import json
import re
from functools import lru_cache
from pathlib import Path

from xtremer_robust.atomic import atomic_write_text
from xtremer_robust.errors import DataError

__all__ = ["SYMBOLS_DIR", "KEYSYMDEF", "keysym_to_char", "parse_layout", "extract_language_layouts", "main"]

#: Where Debian's xkb-data puts the symbol files.
SYMBOLS_DIR = Path("/usr/share/X11/xkb/symbols")
#: The X11 header that maps keysym names to code points (x11proto-dev).
KEYSYMDEF = Path("/usr/include/X11/keysymdef.h")
#: The alphanumeric key names we keep: digits row (AE), three letter rows (AD, AC, AB).
ROWS = ("AE", "AD", "AC", "AB")

_BLOCK = re.compile(r'((?:\w+\s+)*)xkb_symbols\s+"([^"]+)"\s*\{', re.S)
_KEY = re.compile(r"key\s*<(\w+)>\s*\{(.*?)\}\s*;", re.S)
_INCLUDE = re.compile(r'include\s+"([^"]+)"')
_KEYSYM_LINE = re.compile(r"#define XK_(\w+)\s+0x([0-9a-fA-F]+)\s*/\*[ (]*U\+([0-9A-Fa-f]{4,6})")


@lru_cache(maxsize=1)
def _keysym_table(header: Path = KEYSYMDEF) -> dict[str, str]:
    if not header.exists():
        raise DataError("the X11 keysym header is needed to parse layouts (apt install x11proto-dev)", path=header)
    table = {}
    for line in header.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _KEYSYM_LINE.match(line)
        if match:
            table.setdefault(match.group(1), chr(int(match.group(3), 16)))
    return table


def keysym_to_char(name: str) -> str | None:
    """The character a keysym types, or None for dead keys, modifiers and unknown names."""
    if len(name) == 1:
        return name
    if re.fullmatch(r"U[0-9A-Fa-f]{4,6}", name):
        return chr(int(name[1:], 16))
    if re.fullmatch(r"0x[0-9A-Fa-f]+", name):  # 0x01000000 + code point, or Latin-1 below 0x100
        value = int(name, 16)
        return chr(value - 0x1000000) if value >= 0x1000000 else chr(value) if 0x20 <= value < 0x100 else None
    return _keysym_table().get(name)


def _split_blocks(text: str) -> dict[str, tuple[str, bool]]:
    """Variant name -> (body, is_default) for every ``xkb_symbols`` block of a file."""
    blocks: dict[str, tuple[str, bool]] = {}
    matches = list(_BLOCK.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        blocks[match.group(2)] = (text[match.end() : end], "default" in match.group(1).split())
    return blocks


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


def _level_symbols(body: str) -> list[str]:
    """The keysyms of group 1 in a key body (``[a, A]`` or ``symbols[Group1]= [a, A]``)."""
    match = re.search(r"symbols\[(?:Group)?1\]\s*=\s*\[([^\]]*)\]", body) or re.search(r"(?<![\w\]])\[([^\]]*)\]", body)
    if not match:
        return []
    return [s.strip() for s in match.group(1).split(",")]


def parse_layout(spec: str, symbols_dir: Path = SYMBOLS_DIR, _depth: int = 0) -> dict[str, list[str]]:
    """Key name -> [level-1 char, level-2 char] ("" when none) for ``spec`` like ``in(deva)``.

    Includes are applied first and the block's own keys override them, as xkbcomp does.
    """
    if _depth > 12:
        raise DataError(f"include chain too deep at '{spec}'", path=symbols_dir)
    match = re.fullmatch(r"([\w\-/]+)(?:\(([\w\-]+)\))?", spec.strip())
    if not match:
        raise DataError(f"cannot read layout name '{spec}' (expected 'file' or 'file(variant)')")
    path = symbols_dir / match.group(1)
    if not path.exists():
        raise DataError(f"no symbols file for layout '{spec}'", path=path)
    blocks = _split_blocks(_strip_comments(path.read_text(encoding="utf-8", errors="replace")))
    variant = match.group(2)
    if variant is None:
        variant = next((name for name, (_, is_default) in blocks.items() if is_default), next(iter(blocks)))
    if variant not in blocks:
        raise DataError(f"layout '{spec}': no variant '{variant}' (have: {', '.join(blocks)})", path=path)
    body = blocks[variant][0]
    keys: dict[str, list[str]] = {}
    for include in _INCLUDE.findall(body):
        for part in re.split(r"[+|]", include):
            if part and not part.startswith(("level", "group", "keypad", "capslock", "nbsp")):
                keys.update(parse_layout(part.split(":")[0], symbols_dir, _depth + 1))
    for name, key_body in _KEY.findall(body):
        if name[:2] not in ROWS and name not in ("TLDE", "BKSL"):
            continue
        levels = [keysym_to_char(sym) or "" for sym in _level_symbols(key_body)[:2]]
        if any(levels):
            keys[name] = (levels + ["", ""])[:2]
    return keys


def extract_language_layouts(symbols_dir: Path = SYMBOLS_DIR) -> dict[str, dict[str, object]]:
    """The key grids of every layout named in languages.tsv's ``keyboard`` column."""
    from xtremer_robust.languages import all_languages

    layouts: dict[str, dict[str, object]] = {}
    for lang in all_languages().values():
        if lang.keyboard and lang.keyboard not in layouts:
            layouts[lang.keyboard] = {"keys": parse_layout(lang.keyboard, symbols_dir)}
    return dict(sorted(layouts.items()))


def main(argv: list[str] | None = None) -> None:
    """Regenerate ``data/keyboards.json`` from the system's xkb-data."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--symbols-dir", type=Path, default=SYMBOLS_DIR)
    parser.add_argument("--write", action="store_true", help="write data/keyboards.json (else print)")
    args = parser.parse_args(argv)
    payload = {
        "source": "Debian xkb-data symbols files (MIT licence); levels 1-2 of group 1",
        "layouts": extract_language_layouts(args.symbols_dir),
    }
    text = json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if args.write:
        atomic_write_text(Path(__file__).parent / "data" / "keyboards.json", text)
    else:
        print(text)


if __name__ == "__main__":
    main()
