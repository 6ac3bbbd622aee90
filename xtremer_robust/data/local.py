"""The local source: a folder in the original XTREME / XTREME-R file layouts.

The registry's ``splits`` give path patterns per split; the family of the task says which
reader format a file name means (``Family.readers``), and :data:`READERS` maps each format
to its reader, so a new task in a known format is only a spec:

=================  ==========================  ==============  ==============================
file name          family                      format          reader
=================  ==========================  ==============  ==============================
``*.tsv``          pair_classification         pair_tsv        :func:`~.pair_tsv.read_pair_tsv`
``*.tsv``          tagging                     token_tag_tsv   :func:`~.tagging.read_token_tag_tsv`
``*.conllu``       tagging                     conllu          :func:`~.tagging.read_conllu`
``*.jsonl``        multiple_choice             choice_jsonl    :func:`~.choice_jsonl.read_choice_jsonl`
``*.json``         span_qa                     squad_json      :func:`~.squad_json.read_squad_json`
``*.json``         retrieval                   xquad_r         :func:`~.retrieval.read_xquad_r`
``*-eng.<xxx>``    retrieval                   tatoeba         :func:`~.retrieval.read_tatoeba`
=================  ==========================  ==============  ==============================
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

from xtremer_robust.data.choice_jsonl import read_choice_jsonl
from xtremer_robust.data.pair_tsv import labels_file_for, read_pair_tsv
from xtremer_robust.families.records import Candidate, Record
from xtremer_robust.data.retrieval import XquadR, english_side_of, lareqa_multilingual, read_tatoeba, read_xquad_r
from xtremer_robust.data.sources import SourceText, expand_patterns, read_source, resolve_files
from xtremer_robust.data.squad_json import read_squad_json
from xtremer_robust.data.tagging import read_conllu, read_token_tag_tsv, to_items
from xtremer_robust.data.taskdata import SourceFile, TaskData
from xtremer_robust.errors import ConfigError, DataError, DataUnavailableError
from xtremer_robust.tasks import TaskSpec, get_task

__all__ = ["READERS", "file_format", "local_files", "load_local", "load_lareqa_multilingual", "no_local_layout"]


def file_format(spec: TaskSpec, rel: str) -> str:
    """The reader format of a file of ``spec``: its family's first layout whose pattern matches."""
    fmt = spec.family.reader_for(rel)
    if fmt is None or fmt not in READERS:
        layouts = ", ".join(f"{r.pattern} ({r.format})" for r in spec.family.readers)
        raise ConfigError(
            f"tasks.yaml: task {spec.name}: no reader for '{rel}' in family {spec.family.name} (its layouts: "
            f"{layouts}); use one of the file layouts listed in xtremer_robust/data/local.py or add a reader there"
        )
    return fmt


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


#: What a reader returns: records, retrieval candidates, and further source files it read.
ReadResult = tuple[list[Record], list[Candidate], list[SourceText]]


class _Read:
    """One file of one set, with what its reader may need."""

    def __init__(self, spec: TaskSpec, lang: str, split: str, data_dir: Path, source: SourceText, start: int):
        self.spec, self.lang, self.split, self.data_dir, self.source, self.start = spec, lang, split, data_dir, source, start


def _pair_tsv(r: _Read) -> ReadResult:
    gold_rel = labels_file_for(r.source.rel, r.split)
    gold = read_source(r.data_dir, gold_rel) if (r.data_dir / gold_rel).is_file() else None
    pairs, gold_used = read_pair_tsv(r.source, split=r.split, labels=r.spec.labels, gold=gold)
    return list(pairs), [], [gold] if gold is not None and gold_used else []


def _tags(reader: Callable) -> Callable[[_Read], ReadResult]:
    def read(r: _Read) -> ReadResult:
        return list(to_items(reader(r.source, labels=r.spec.labels), split=r.split, start=r.start)), [], []

    return read


def _choice_jsonl(r: _Read) -> ReadResult:
    return list(read_choice_jsonl(r.source, split=r.split)), [], []


def _squad_json(r: _Read) -> ReadResult:
    return list(read_squad_json(r.source, split=r.split)), [], []


def _xquad_r(r: _Read) -> ReadResult:
    if r.spec.candidate_pool == "multilingual":
        return _xquad_r_pool(r)
    items, candidates = read_xquad_r(r.source, lang=r.lang)
    return list(items), candidates, []


def _xquad_r_pool(r: _Read) -> ReadResult:
    """XTREME-R's LAReQA: queries of ``r.lang`` against the sentences of every language of the
    split; every language's file must be present, since a partial pool would change the task."""
    parsed = {r.lang: XquadR(r.source, r.lang)}
    extra: list[SourceText] = []
    for code in r.spec.languages_for(r.split):
        if code in parsed:
            continue
        files = local_files(r.spec, code, r.split, r.data_dir)
        if len(files) != 1:
            raise ConfigError(f"{r.spec.name}: the multilingual pool needs one XQuAD-R file per language, found {files}")
        source = read_source(r.data_dir, files[0])
        parsed[code] = XquadR(source, code)
        extra.append(source)
    items, candidates = lareqa_multilingual(parsed, r.lang)
    return list(items), candidates, extra


def _tatoeba(r: _Read) -> ReadResult:
    english = read_source(r.data_dir, english_side_of(r.source.rel))
    items, candidates = read_tatoeba(r.source, english, split=r.split)
    return list(items), candidates, [english]


#: Reader format (named by ``Family.readers``) -> reader.
READERS: Mapping[str, Callable[[_Read], ReadResult]] = {
    "pair_tsv": _pair_tsv,
    "token_tag_tsv": _tags(read_token_tag_tsv),
    "conllu": _tags(read_conllu),
    "choice_jsonl": _choice_jsonl,
    "squad_json": _squad_json,
    "xquad_r": _xquad_r,
    "tatoeba": _tatoeba,
}


def _read_one(spec: TaskSpec, lang: str, split: str, data_dir: Path, source: SourceText, start: int) -> ReadResult:
    return READERS[file_format(spec, source.rel)](_Read(spec, lang, split, data_dir, source, start))


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
        family=spec.family.name,
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
        family=spec.family.name,
        items=tuple(items),
        candidates=tuple(candidates),
        sources=_source_files(sources),
    )
