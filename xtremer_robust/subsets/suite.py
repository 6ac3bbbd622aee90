"""The recipe suite: which variants a build makes, read from a YAML file (data, not code).

The canonical suite is ``subsets/recipes.yaml`` at the repository root; a copy ships inside
the package (``xtremer_robust/subsets/recipes.yaml``) so an installed package finds it too,
and a test keeps the two identical. Format::

    version: "1"                 # the recipe-suite version, written into every manifest
    seed: 13                     # default seed of the build
    variants:                    # one subset per (task, language, split, variant)
      - {name: char_sub_5, recipe: char_substitution, params: {rate: 0.05}}
    views: {sizes: [100], families: [xlmr, mbert]}
    generalized: {tasks: [xnli, pawsx]}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import yaml

from xtremer_robust.errors import ConfigError
from xtremer_robust.perturb.base import check_rate
from xtremer_robust.schema import CLEAN

__all__ = ["CLEAN", "Variant", "Suite", "load_suite", "canonical_suite_path", "parse_recipe_specs"]

#: The unperturbed variant; always built, it carries the ids every other variant pairs with.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


@dataclass(frozen=True)
class Variant:
    """One subset variant: a file-safe name, a recipe name from the registry and its parameters."""

    name: str
    recipe: str | None  # None only for the clean variant
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigError(
                f"variant name '{self.name}' must be lower-case letters, digits, '_', '.', '-' (it becomes a file name)"
            )
        if "rate" in self.params:
            check_rate(self.recipe or self.name, self.params["rate"])


@dataclass(frozen=True)
class Suite:
    """A recipe suite: version, default seed, variants, and which views the index lists."""

    version: str
    seed: int
    variants: tuple[Variant, ...]
    view_sizes: tuple[int, ...] = ()
    view_families: tuple[str, ...] = ("xlmr", "mbert")
    generalized_tasks: tuple[str, ...] = ()

    def select(self, names: list[str] | None) -> "Suite":
        """Keep the named variants (suite names, or ``recipe[:key=value...]`` specs); clean always stays."""
        if names is None:
            return self
        known = {v.name: v for v in self.variants}
        chosen: list[Variant] = []
        for spec in names:
            chosen.append(known[spec] if spec in known else parse_recipe_specs([spec])[0])
        return Suite(self.version, self.seed, _with_clean(chosen), self.view_sizes, self.view_families,
                     self.generalized_tasks)


def _with_clean(variants: list[Variant]) -> tuple[Variant, ...]:
    out = [Variant(CLEAN, None)] + [v for v in variants if v.name != CLEAN]
    names = [v.name for v in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"variant names must be unique; repeated: {', '.join(dupes)}")
    return tuple(out)


def _coerce(text: str) -> Any:
    """A CLI parameter value: YAML scalars (0.1, 3, true, words)."""
    return yaml.safe_load(text)


def parse_recipe_specs(specs: list[str]) -> list[Variant]:
    """Parse ``recipe[:key=value[:key=value...]]`` specs into variants named after them.

    ``char_substitution:rate=0.2`` becomes the variant ``char_substitution-rate_0.2``. A
    rate outside [0, 1] is refused here, before any work starts.
    """
    out: list[Variant] = []
    for spec in specs:
        parts = spec.strip().split(":")
        recipe, params = parts[0], {}
        if recipe == CLEAN:
            continue
        for part in parts[1:]:
            if "=" not in part:
                raise ConfigError(f"--recipes: '{spec}': expected recipe:key=value (e.g. char_substitution:rate=0.1)")
            key, value = part.split("=", 1)
            try:
                params[key.strip()] = _coerce(value.strip())
            except (yaml.YAMLError, RecursionError, ValueError):
                raise ConfigError(f"--recipes: '{spec}': the value of '{key.strip()}' is not a number, word or true/false") from None
        name = recipe + "".join(f"-{k}_{v}" for k, v in params.items())
        out.append(Variant(name.lower(), recipe, params))
    return out


def canonical_suite_path() -> Path | None:
    """``subsets/recipes.yaml`` of the source tree when the package runs from one (editable install)."""
    candidate = Path(__file__).resolve().parents[2] / "subsets" / "recipes.yaml"
    return candidate if candidate.is_file() else None


#: A suite lists a few dozen variants; anything far larger is not a suite file.
MAX_SUITE_BYTES = 1024 * 1024


def _parse_yaml(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{where}{line}: not valid YAML ({exc.problem}); fix the file or pass another --suite") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML ({exc}); fix the file or pass another --suite") from None
    except RecursionError:
        raise ConfigError(f"{where}: nested too deeply to be a recipe suite") from None
    except ValueError as exc:  # YAML's int() of a number with thousands of digits
        raise ConfigError(f"{where}: a value cannot be read ({exc}); fix the file or pass another --suite") from None


def _int(value: Any, where: str, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"{where}: {field} must be an integer, got {value!r:.60}")
    return value


def _seed(value: Any, where: str) -> int:
    seed = _int(value, where, "seed")
    if seed < 0:
        raise ConfigError(f"{where}: seed must be an integer >= 0, got {seed}")
    return seed


def _names(value: Any, where: str, field: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {field} must be a list of names, got {value!r:.60}")
    return tuple(value)


def load_suite(path: str | Path | None = None) -> Suite:
    """Read a suite file; None means the canonical suite (source tree first, then the packaged copy).

    Every field is type-checked, and a malformed file stops with its name, line and the problem.
    """
    if path is None:
        found = canonical_suite_path()
        text = (found.read_text(encoding="utf-8") if found is not None
                else resources.files(__package__).joinpath("recipes.yaml").read_text(encoding="utf-8"))
        where = str(found) if found is not None else "xtremer_robust/subsets/recipes.yaml"
    else:
        where = str(path)
        try:
            if Path(path).stat().st_size > MAX_SUITE_BYTES:
                raise ConfigError(f"--suite: '{path}' is over {MAX_SUITE_BYTES:,} bytes; a recipe suite is a short YAML file")
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--suite: recipe suite '{path}' cannot be read ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise ConfigError(f"--suite: '{path}' is not UTF-8 text") from None
    raw = _parse_yaml(text, where)
    if not isinstance(raw, dict) or "variants" not in raw or "version" not in raw:
        raise ConfigError(f"{where}: expected a mapping with 'version', 'seed' and 'variants'")
    if not isinstance(raw["variants"], (list, type(None))):
        raise ConfigError(f"{where}: 'variants' must be a list of {{name, recipe, params}} entries")
    variants: list[Variant] = []
    for i, entry in enumerate(raw["variants"] or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not isinstance(entry.get("recipe"), str):
            raise ConfigError(f"{where}: variant #{i + 1} needs a 'name' and a 'recipe' (strings), got {entry!r:.80}")
        params = entry.get("params") or {}
        if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
            raise ConfigError(f"{where}: variant '{entry['name']}': 'params' must be a mapping of names to values")
        variants.append(Variant(entry["name"], entry["recipe"], dict(params)))
    views = raw.get("views") or {}
    if not isinstance(views, dict):
        raise ConfigError(f"{where}: 'views' must be a mapping with 'sizes' and 'families'")
    sizes = views.get("sizes") or ()
    if not isinstance(sizes, (list, tuple)) or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in sizes):
        raise ConfigError(f"{where}: views.sizes must be a list of positive integers, got {sizes!r:.60}")
    generalized = raw.get("generalized") or {}
    if not isinstance(generalized, dict):
        raise ConfigError(f"{where}: 'generalized' must be a mapping with 'tasks'")
    return Suite(
        version=str(raw["version"]),
        seed=_seed(raw.get("seed", 0), where),
        variants=_with_clean(variants),
        view_sizes=tuple(sizes),
        view_families=_names(views.get("families", ("xlmr", "mbert")), where, "views.families"),
        generalized_tasks=_names(generalized.get("tasks", ()), where, "generalized.tasks"),
    )
