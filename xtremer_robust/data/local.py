"""The local source: a folder in the original XTREME / XTREME-R file layouts.

The registry's ``splits`` give path patterns per split; the reader of a file follows from
its name and the task's family, so a new task in a known format is only a spec:

=================  ==========================  ========================================
file name          family                      reader
=================  ==========================  ========================================
``*.tsv``          pair_classification         :func:`~.pair_tsv.read_pair_tsv`
``*.tsv``          tagging                     :func:`~.tagging.read_token_tag_tsv`
``*.conllu``       tagging                     :func:`~.tagging.read_conllu`
``*.jsonl``        multiple_choice             :func:`~.choice_jsonl.read_choice_jsonl`
``*.json``         span_qa                     :func:`~.squad_json.read_squad_json`
``*.json``         retrieval                   :func:`~.retrieval.read_xquad_r`
``*-eng.<xxx>``    retrieval                   :func:`~.retrieval.read_tatoeba`
=================  ==========================  ========================================
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from xtremer_robust.data.choice_jsonl import read_choice_jsonl
from xtremer_robust.data.pair_tsv import labels_file_for, read_pair_tsv
from xtremer_robust.data.records import Candidate, Record
from xtremer_robust.data.retrieval import XquadR, english_side_of, lareqa_multilingual, read_tatoeba, read_xquad_r
from xtremer_robust.data.sources import SourceText, expand_patterns, read_source, resolve_files
from xtremer_robust.data.squad_json import read_squad_json
from xtremer_robust.data.tagging import read_conllu, read_token_tag_tsv, to_items
from xtremer_robust.data.taskdata import SourceFile, TaskData
from xtremer_robust.errors import ConfigError, DataError, DataUnavailableError
from xtremer_robust.tasks import TaskSpec, get_task

__all__ = ["file_format", "local_files", "load_local", "load_lareqa_multilingual", "no_local_layout"]

_TATOEBA_NAME = re.compile(r"-eng\.[a-z]{3}$")


def file_format(spec: TaskSpec, rel: str) -> str:
    """The reader for a file of ``spec`` (see the module table)."""
    family = spec.family
    if rel.endswith(".conllu") and family == "tagging":
        return "conllu"
    if rel.endswith(".tsv") and family == "tagging":
        return "token_tag_tsv"
    if rel.endswith(".tsv") and family == "pair_classification":
        return "pair_tsv"
    if rel.endswith(".jsonl") and family == "multiple_choice":
        return "choice_jsonl"
    if rel.endswith(".json") and family == "span_qa":
        return "squad_json"
    if rel.endswith(".json") and family == "retrieval":
        return "xquad_r"
    if _TATOEBA_NAME.search(rel) and family == "retrieval":
        return "tatoeba"
    raise ConfigError(
        f"tasks.yaml: task {spec.name}: no reader for '{rel}' in family {family}; use one of the file layouts "
        "listed in xtremer_robust/data/local.py or add a reader there"
    )


def no_local_layout(spec: TaskSpec, split: str) -> DataUnavailableError:
    """The error for a split that has no local file layout (Mewsli-X, TyDiQA-GoldP test...)."""
    if spec.unavailable:
        return DataUnavailableError(f"{spec.name}: {spec.unavailable}")
    local = ", ".join(spec.splits) or "none"
    hub = " Read it from the Hub (leave --data-dir and XTREMER_ROBUST_DATA unset)." if spec.hub else ""
    return DataUnavailableError(
        f"{spec.name} has no local file layout for split '{split}' (local splits: {local}); the XTREME-R "
        f"distribution of that split carries no gold labels or answers.{hub}"
    )


def local_files(spec: TaskSpec, lang: str, split: str, data_dir: Path) -> list[str]:
    """The files of one set (relative to ``data_dir``); DataUnavailableError where there are none."""
    if spec.unavailable or split not in spec.splits:
        raise no_local_layout(spec, split)
    if lang not in spec.languages_for(split):
        raise DataUnavailableError(
            f"{spec.name} has no {split} split for language '{lang}' "
            f"(it exists for: {', '.join(spec.languages_for(split))})"
        )
    patterns = expand_patterns(spec.splits[split], lang)
    files = resolve_files(data_dir, patterns)
    if not files:
        raise DataUnavailableError(
            f"{spec.name} {lang} {split}: no file in '{data_dir}' matches {' or '.join(patterns)}. Put the "
            "file there in its original layout, or use the Hub (leave --data-dir unset)."
        )
    return files


def _read_one(
    spec: TaskSpec, lang: str, split: str, data_dir: Path, source: SourceText, start: int
) -> tuple[list[Record], list[Candidate], list[SourceText]]:
    fmt = file_format(spec, source.rel)
    if fmt == "pair_tsv":
        gold_rel = labels_file_for(source.rel, split)
        gold = read_source(data_dir, gold_rel) if (data_dir / gold_rel).is_file() else None
        pairs, gold_used = read_pair_tsv(source, split=split, labels=spec.labels, gold=gold)
        return list(pairs), [], [gold] if gold is not None and gold_used else []
    if fmt in ("token_tag_tsv", "conllu"):
        reader = read_conllu if fmt == "conllu" else read_token_tag_tsv
        return list(to_items(reader(source, labels=spec.labels), split=split, start=start)), [], []
    if fmt == "choice_jsonl":
        return list(read_choice_jsonl(source, split=split)), [], []
    if fmt == "squad_json":
        return list(read_squad_json(source, split=split)), [], []
    if fmt == "xquad_r":
        items, candidates = read_xquad_r(source, lang=lang)
        return list(items), candidates, []
    english = read_source(data_dir, english_side_of(source.rel))
    items, candidates = read_tatoeba(source, english, split=split)
    return list(items), candidates, [english]


def _check_unique(ids: Sequence[str], what: str, where: str) -> None:
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            raise DataError(
                f"{what} id '{item_id}' occurs twice in {where}; ids pair every variant of an item, so they must "
                "be unique. Remove the duplicate row or give it its own id."
            )
        seen.add(item_id)


def _source_files(sources: Sequence[SourceText]) -> tuple[SourceFile, ...]:
    unique = {s.rel: SourceFile(path=s.rel, sha256=s.sha256) for s in sources}
    return tuple(unique.values())


def load_local(spec: TaskSpec, lang: str, split: str, data_dir: Path) -> TaskData:
    """Read one (task, language, split) set from ``data_dir``; files of a glob are concatenated."""
    files = local_files(spec, lang, split, data_dir)
    items: list[Record] = []
    candidates: list[Candidate] = []
    sources: list[SourceText] = []
    for rel in files:
        source = read_source(data_dir, rel)
        new_items, new_candidates, extra = _read_one(spec, lang, split, data_dir, source, start=len(items))
        items += new_items
        candidates += new_candidates
        sources += [source, *extra]
    where = " + ".join(files)
    _check_unique([item.id for item in items], "item", where)
    _check_unique([c.id for c in candidates], "candidate", where)
    return TaskData(
        task=spec.name,
        language=lang,
        split=split,
        family=spec.family,
        items=tuple(items),
        candidates=tuple(candidates),
        sources=_source_files(sources),
    )


def load_lareqa_multilingual(
    lang: str, data_dir: Path, *, split: str | None = None, languages: Sequence[str] | None = None
) -> TaskData:
    """XTREME-R's LAReQA set for queries in ``lang``, ranked against every language's sentences.

    ``languages`` None means all 11 languages of the task (the pool of XTREME-R); every one
    must be present in ``data_dir``, since a partial pool would silently change the task.
    """
    spec = get_task("lareqa")
    split = split or spec.eval_split
    spec.check_language(lang)
    codes = list(languages) if languages is not None else list(spec.languages_for(split))
    if lang not in codes:
        raise ConfigError(f"languages: the pool must include the query language '{lang}', got {codes}")
    parsed: dict[str, XquadR] = {}
    sources: list[SourceText] = []
    for code in codes:
        spec.check_language(code)
        files = local_files(spec, code, split, data_dir)
        if len(files) != 1 or file_format(spec, files[0]) != "xquad_r":
            raise ConfigError(f"{spec.name}: the multilingual pool needs one XQuAD-R file per language, found {files}")
        source = read_source(data_dir, files[0])
        parsed[code] = XquadR(source, code)
        sources.append(source)
    items, candidates = lareqa_multilingual(parsed, lang)
    return TaskData(
        task=spec.name,
        language=lang,
        split=split,
        family=spec.family,
        items=tuple(items),
        candidates=tuple(candidates),
        sources=_source_files(sources),
    )
