"""The recipe registry: every module in this package defines recipes; each recipe has a unique name.

Adding a recipe is adding a file here (``<method>_<author>_<year>.py``) with a frozen
dataclass subclass of :class:`~xtremer_robust.perturb.base.Recipe` that sets ``name``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Mapping

from xtremer_robust.errors import ConfigError, unknown_name
from xtremer_robust.perturb.base import Recipe

__all__ = ["all_recipes", "get_recipe"]


@lru_cache(maxsize=1)
def _registry() -> Mapping[str, type[Recipe]]:
    found: dict[str, type[Recipe]] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Recipe) and cls.__module__ == module.__name__ and not inspect.isabstract(cls):
                if cls.name in found:
                    raise ConfigError(f"recipe name '{cls.name}' defined twice: {found[cls.name].__module__} and {cls.__module__}")
                found[cls.name] = cls
    return MappingProxyType(dict(sorted(found.items())))


def all_recipes() -> dict[str, type[Recipe]]:
    """Every registered recipe class by name (a fresh dict: the registry itself is frozen)."""
    return dict(_registry())


def get_recipe(name: str, **params: Any) -> Recipe:
    """An instance of recipe ``name`` with ``params`` (e.g. ``rate=0.2``).

    Unknown names answer with the closest names; a rate outside [0, 1] or an unknown parameter
    raises :class:`ConfigError` naming the recipe.
    """
    registry = _registry()
    if name not in registry:
        raise unknown_name("recipe", name, registry)
    cls = registry[name]
    accepted = {p for p in inspect.signature(cls).parameters}
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise ConfigError(f"recipe '{name}': unknown parameter(s) {', '.join(unknown)}; accepted: {', '.join(sorted(accepted))}")
    try:
        return cls(**params)
    except (TypeError, ValueError) as error:
        if isinstance(error, ConfigError):
            raise
        raise ConfigError(f"recipe '{name}': bad parameters {params}: {error}") from error
