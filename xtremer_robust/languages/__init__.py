"""The 50 XTREME-R languages, read from ``languages.tsv`` (the one table; no logic elsewhere)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from xtremer_robust.errors import ConfigError, unknown_name

__all__ = ["Language", "all_languages", "get_language", "parse_languages", "TIERS", "MODEL_FAMILIES"]

TIERS = ("high", "mid", "low")
#: Model families whose pre-training coverage the table records (column ``in_<family>``).
MODEL_FAMILIES = ("xlmr", "mbert")


@dataclass(frozen=True)
class Language:
    """One XTREME-R language and the facts the harness needs about it."""

    code: str
    name: str
    scripts: tuple[str, ...]
    joshi_class: int
    tier: str
    tatoeba_code: str | None
    in_xlmr: bool
    in_mbert: bool
    keyboard: str | None

    def seen_by(self, family: str) -> bool:
        """Whether the language is in the pre-training data of a model family."""
        if family not in MODEL_FAMILIES:
            raise unknown_name("model family", family, MODEL_FAMILIES)
        return bool(getattr(self, f"in_{family}"))


def _tier_of(joshi_class: int) -> str:
    return "high" if joshi_class >= 4 else "mid" if joshi_class == 3 else "low"


@lru_cache(maxsize=1)
def all_languages() -> dict[str, Language]:
    """All 50 languages by ISO 639-1 code, in table order."""
    text = resources.files(__package__).joinpath("languages.tsv").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    table: dict[str, Language] = {}
    for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
        joshi = int(row["joshi_class"])
        lang = Language(
            code=row["code"],
            name=row["name"],
            scripts=tuple(row["scripts"].split(",")),
            joshi_class=joshi,
            tier=row["tier"],
            tatoeba_code=row["tatoeba_code"] or None,
            in_xlmr=row["in_xlmr"] == "1",
            in_mbert=row["in_mbert"] == "1",
            keyboard=row["keyboard"] or None,
        )
        if lang.tier != _tier_of(joshi):  # the table must agree with the stated grouping
            raise ConfigError(f"languages.tsv: tier of {lang.code} is {lang.tier}, expected {_tier_of(joshi)}")
        table[lang.code] = lang
    return table


def get_language(code: str) -> Language:
    """The language with ISO 639-1 ``code``; a helpful error otherwise."""
    table = all_languages()
    if code not in table:
        raise unknown_name("language", code, table)
    return table[code]


def parse_languages(spec: str | None) -> list[str] | None:
    """Parse a comma-separated ``--langs`` value; tiers (``tier:low``) expand. None means all."""
    if spec is None or spec.strip() == "":
        return None
    codes: list[str] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if part.startswith("tier:"):
            tier = part.removeprefix("tier:")
            if tier not in TIERS:
                raise unknown_name("tier", tier, TIERS)
            codes.extend(c for c, lang in all_languages().items() if lang.tier == tier)
        else:
            codes.append(get_language(part).code)
    return list(dict.fromkeys(codes))
