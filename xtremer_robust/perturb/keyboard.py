"""Keyboard neighbours and per-language alphabets, from the shipped xkb key grids.

Why: a realistic typo replaces a character with one typed by a neighbouring key of the
writer's own layout (Belinkov and Bisk 2018; Pruthi et al. 2019), and a substitution noise
should draw from the language's own letters, not ``string.ascii_letters``. Both come from the
layout named in languages.tsv (``keyboard`` column), extracted by :mod:`xkb`.
"""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from importlib import resources

import regex

from xtremer_robust.languages import get_language

__all__ = ["layout_of", "key_grid", "neighbours", "alphabet", "script_pattern", "FALLBACK_LAYOUT"]

#: Latin text inside a non-Latin language (names, loans) is typed on a US layout.
FALLBACK_LAYOUT = "us"
#: Horizontal offset of each row in key widths (a standard staggered keyboard).
_ROW_OFFSET = {"AE": 0.0, "AD": 0.5, "AC": 0.75, "AB": 1.25}
#: Keys in the next row up or down are neighbours when they overlap horizontally by more than
#: this share of a key width (on a staggered keyboard K touches I, O above and M, comma below).
_MIN_OVERLAP = 0.0
#: ISO 15924 code in languages.tsv -> Unicode script names of the ``regex`` package.
_SCRIPTS = {
    "Latn": ("Latin",), "Arab": ("Arabic",), "Cyrl": ("Cyrillic",), "Grek": ("Greek",),
    "Hebr": ("Hebrew",), "Deva": ("Devanagari",), "Beng": ("Bengali",), "Gujr": ("Gujarati",),
    "Guru": ("Gurmukhi",), "Taml": ("Tamil",), "Telu": ("Telugu",), "Mlym": ("Malayalam",),
    "Thai": ("Thai",), "Mymr": ("Myanmar",), "Geor": ("Georgian",), "Kore": ("Hangul",),
    "Jpan": ("Han", "Hiragana", "Katakana"), "Hans": ("Han",),
}


@lru_cache(maxsize=1)
def _layouts() -> dict[str, dict[str, list[str]]]:
    text = resources.files(__package__).joinpath("data", "keyboards.json").read_text(encoding="utf-8")
    return {name: entry["keys"] for name, entry in json.loads(text)["layouts"].items()}


def layout_of(lang: str) -> str | None:
    """The xkb layout typists of ``lang`` use, or None where the script is typed via an input method."""
    return get_language(lang).keyboard


def key_grid(layout: str) -> dict[str, list[str]]:
    """Key name -> [unshifted, shifted] characters of a shipped layout."""
    return _layouts()[layout]


@lru_cache(maxsize=1024)
def script_pattern(lang: str) -> regex.Pattern[str]:
    """A pattern matching one character of ``lang``'s script(s)."""
    names = [name for code in get_language(lang).scripts for name in _SCRIPTS.get(code, (code,))]
    return regex.compile("[" + "".join(rf"\p{{{name}}}" for name in names) + "]")


def _position(key: str) -> tuple[float, float] | None:
    row, number = key[:2], key[2:]
    if row not in _ROW_OFFSET or not number.isdigit():
        return None
    return (int(number) + _ROW_OFFSET[row], float(list(_ROW_OFFSET).index(row)))


@lru_cache(maxsize=64)
def _neighbour_table(layout: str) -> dict[str, tuple[str, ...]]:
    grid = key_grid(layout)
    placed = {key: pos for key in grid if (pos := _position(key)) is not None}
    table: dict[str, list[str]] = {}
    for key, (x, y) in placed.items():
        near = [
            k for k, (x2, y2) in placed.items()
            if (y2 == y and abs(x2 - x) == 1.0) or (abs(y2 - y) == 1.0 and 1.0 - abs(x2 - x) > _MIN_OVERLAP)
        ]
        for level in (0, 1):
            char = grid[key][level]
            if not char:
                continue
            found = table.setdefault(char, [])
            for other in sorted(near):
                candidate = grid[other][level]
                if candidate and candidate != char and candidate not in found:
                    found.append(candidate)
    return {char: tuple(chars) for char, chars in table.items()}


def neighbours(char: str, layout: str) -> tuple[str, ...]:
    """Characters typed by the keys around the one that types ``char`` (same shift level)."""
    return _neighbour_table(layout).get(char, ())


@lru_cache(maxsize=128)
def alphabet(lang: str) -> tuple[str, ...]:
    """The base letters of ``lang``'s script on its keyboard (lower case, sorted); () without a layout.

    Combining marks are left out on purpose: inserting one could land it on no base.
    """
    layout = layout_of(lang)
    if layout is None:
        return ()
    pattern = script_pattern(lang)
    letters = {
        unicodedata.normalize("NFC", char.lower())
        for pair in key_grid(layout).values()
        for char in pair
        if char and unicodedata.category(char).startswith("L") and pattern.match(char)
        and not unicodedata.decomposition(char).startswith("<")  # no presentation forms
    }
    return tuple(sorted(c for c in letters if len(c) == 1))
