"""The task families: one module and one :class:`Family` object per family.

=====================  ==========================  ==========================================
family                 module                      tasks
=====================  ==========================  ==========================================
pair_classification    :mod:`.pair`                xnli, pawsx
multiple_choice        :mod:`.choice`              xcopa
tagging                :mod:`.tagging`             udpos, panx
span_qa                :mod:`.qa`                  xquad, mlqa, tydiqa
retrieval              :mod:`.retrieval`           tatoeba, mewslix, lareqa
=====================  ==========================  ==========================================

Layer: this part sits just above ``errors`` and below ``tasks`` (a :class:`TaskSpec`
holds its family object), so it imports nothing of the package but ``errors`` and its own
modules; readers (``data``), metrics and the forward loop (``runner``) live above and ask
the family. Adding a family: a module here with its record type in :mod:`.records`, its
entry in :data:`FAMILIES`, and a reader format in ``data/local.py`` (CONTRIBUTING.md).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from xtremer_robust.errors import unknown_name
from xtremer_robust.families.base import Family, Head, ReaderRule
from xtremer_robust.families.choice import MULTIPLE_CHOICE
from xtremer_robust.families.features import Feature, Featurizer, model_max_length
from xtremer_robust.families.pair import PAIR_CLASSIFICATION
from xtremer_robust.families.qa import SPAN_QA
from xtremer_robust.families.retrieval import RETRIEVAL
from xtremer_robust.families.tagging import TAGGING

__all__ = [
    "FAMILIES",
    "Family",
    "Feature",
    "Featurizer",
    "Head",
    "ReaderRule",
    "get_family",
    "family_of_record",
    "model_max_length",
    "PAIR_CLASSIFICATION",
    "MULTIPLE_CHOICE",
    "TAGGING",
    "SPAN_QA",
    "RETRIEVAL",
]

#: Every family by the name tasks.yaml uses (frozen).
FAMILIES: Mapping[str, Family] = MappingProxyType(
    {f.name: f for f in (PAIR_CLASSIFICATION, MULTIPLE_CHOICE, TAGGING, SPAN_QA, RETRIEVAL)}
)
_BY_RECORD = MappingProxyType({f.record_type: f for f in FAMILIES.values()})


def get_family(name: str) -> Family:
    """The family called ``name``; an unknown name answers with "did you mean"."""
    if name not in FAMILIES:
        raise unknown_name("task family", name, FAMILIES)
    return FAMILIES[name]


def family_of_record(record: object) -> Family:
    """The family whose record type ``record`` is."""
    family = _BY_RECORD.get(type(record))
    if family is None:
        raise unknown_name("record type", type(record).__name__, [t.__name__ for t in _BY_RECORD])
    return family
