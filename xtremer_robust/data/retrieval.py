"""Retrieval sets: Tatoeba line-aligned pairs and XQuAD-R (LAReQA) answer-sentence retrieval.

Tatoeba (Artetxe & Schwenk 2019, LASER v1 files ``tatoeba.<xxx>-eng.<xxx>`` / ``.eng``):
line i of the xxx side is a query whose one relevant candidate is line i of the English
side; the candidate pool is every English line in FILE ORDER. (XTREME's preprocessing sorts
the English side, which breaks the alignment that scoring relies on; we never sort it.)

XQuAD-R (Roy et al. 2020, "LAReQA: Language-agnostic answer retrieval from a multilingual
pool", EMNLP): SQuAD-format files whose paragraphs carry ``sentence_breaks`` (character
spans in ``context``). Parsed as XTREME's ``third_party/utils_lareqa.py`` (``load_data``,
``generate_examples``) parses them:

- a candidate is one sentence ``context[start:end]`` of a paragraph that has questions;
- a question has exactly one answer; its answer sentence is the FIRST sentence whose span
  holds ``answer_start`` (``start <= answer_start < end``), and every sentence of that
  paragraph with the same text is relevant (XTREME compares texts);
- XTREME-R's LAReQA (:func:`lareqa_multilingual`, the ``lareqa`` task) ranks against ONE
  pool of all 11 languages' candidates; a question's relevant set is its answer sentence
  in every language (questions are paired across languages by id): 11 per question.
- :func:`read_xquad_r` keeps the question's own language's sentences only (the
  ``lareqa_monolingual`` task): one relevant sentence per question.

Candidate text is the sentence alone. XTREME-R's baseline (``evaluate_retrieval.py``)
embeds ``sentence + context`` as one string and the LAReQA paper's dual encoder takes
(sentence, context) as a pair; the runner embeds single texts with no pair input, so the
sentence is what it sees (docs/metrics.md states the choice).
"""

from __future__ import annotations

from xtremer_robust.families.records import Candidate, RetrievalItem
from xtremer_robust.data.sources import SourceText
from xtremer_robust.data.squad_json import iter_paragraphs, load_squad_json

__all__ = [
    "english_side_of",
    "read_tatoeba",
    "read_xquad_r",
    "lareqa_multilingual",
    "XquadR",
]


def english_side_of(rel: str) -> str:
    """``tatoeba/tatoeba.swh-eng.swh`` -> ``tatoeba/tatoeba.swh-eng.eng``."""
    return rel[: rel.rfind(".")] + ".eng"


def read_tatoeba(
    source: SourceText, english: SourceText, *, split: str
) -> tuple[list[RetrievalItem], list[Candidate]]:
    """Queries from ``source`` (line i), candidates from ``english`` (line i is the relevant one)."""
    queries = [line for _, line in source.lines()]
    targets = [line for _, line in english.lines()]
    if not queries:
        raise source.error("the file is empty; expected one sentence per line, line-aligned with the English file")
    if len(queries) != len(targets):
        raise english.error(
            f"has {len(targets)} lines but {source.rel} has {len(queries)}; the two sides are line-aligned "
            "(line i translates line i), so both files must come from the same release"
        )
    candidates = [Candidate(id=f"eng-{i:05d}", text=text) for i, text in enumerate(targets)]
    items = [
        RetrievalItem(id=f"{split}-{i:05d}", query=query, relevant=(candidates[i].id,))
        for i, query in enumerate(queries)
    ]
    return items, candidates


class XquadR:
    """One XQuAD-R file: its questions with the ids of their answer sentences, and its sentences."""

    def __init__(self, source: SourceText, lang: str):
        self.lang = lang
        self.questions: list[tuple[str, str, tuple[str, ...]]] = []  # (qid, question, relevant ids)
        self.sentences: list[Candidate] = []
        for p, (where, paragraph) in enumerate(iter_paragraphs(source, load_squad_json(source))):
            spans = self._sentences(source, where, paragraph)
            questions = []
            for q, qa in enumerate(paragraph["qas"]):
                questions.append(self._question(source, f"{where}.qas[{q}]", qa, paragraph["context"], spans, p))
            if questions:  # utils_lareqa adds a paragraph's sentences while reading its questions
                self.sentences += [Candidate(id=self._cid(p, s), text=text) for s, (text, _) in enumerate(spans)]
            self.questions += questions
        if not self.questions:
            raise source.error("the file holds no questions; expected an XQuAD-R document with at least one qas entry")
        ids = [qid for qid, _, _ in self.questions]
        if len(set(ids)) != len(ids):
            raise source.error("question ids are not unique; XQuAD-R pairs questions across languages by id")

    def _cid(self, p: int, s: int) -> str:
        return f"{self.lang}-{p:03d}-{s:02d}"

    def _question(
        self, source: SourceText, at: str, qa: object, context: str, spans: list[tuple[str, tuple[int, int]]], p: int
    ) -> tuple[str, str, tuple[str, ...]]:
        if not isinstance(qa, dict) or not isinstance(qa.get("question"), str) or not qa.get("id"):
            raise source.error(f'{at}: expected an object with "id", "question" and "answers"')
        answers = qa.get("answers")
        if not isinstance(answers, list) or len(answers) != 1:
            raise source.error(f"{at}: expected exactly one answer (utils_lareqa asserts it), got {answers!r:.80}")
        start = answers[0].get("answer_start") if isinstance(answers[0], dict) else None
        if not isinstance(start, int) or isinstance(start, bool):
            raise source.error(f'{at}: expected answers as [{{"text": str, "answer_start": int}}]')
        holding = next((text for text, (b, e) in spans if b <= start < e), None)
        if holding is None:
            raise source.error(
                f"{at}: answer_start {start} lies in no span of sentence_breaks (XTREME skips such a question "
                "with a warning); fix its answer_start or the breaks"
            )
        relevant = tuple(self._cid(p, s) for s, (text, _) in enumerate(spans) if text == holding)
        return str(qa["id"]), qa["question"], relevant

    @staticmethod
    def _sentences(source: SourceText, where: str, paragraph: dict) -> list[tuple[str, tuple[int, int]]]:
        context, breaks = paragraph.get("context"), paragraph.get("sentence_breaks")
        if not isinstance(context, str) or not isinstance(breaks, list):
            raise source.error(
                f'{where}: expected "context" and a "sentence_breaks" list (XQuAD-R format); '
                "a plain SQuAD file belongs to the xquad task"
            )
        spans = []
        for s, span in enumerate(breaks):
            if not (isinstance(span, list) and len(span) == 2 and all(isinstance(x, int) for x in span)):
                raise source.error(f"{where}.sentence_breaks[{s}]: expected a [start, end] pair of integers")
            spans.append((context[span[0] : span[1]], (span[0], span[1])))
        return spans


def read_xquad_r(source: SourceText, *, lang: str) -> tuple[list[RetrievalItem], list[Candidate]]:
    """Own-language XQuAD-R (``lareqa_monolingual``): queries of ``lang`` against that language's sentences."""
    parsed = XquadR(source, lang)
    items = [RetrievalItem(id=qid, query=question, relevant=rel) for qid, question, rel in parsed.questions]
    return items, parsed.sentences


def lareqa_multilingual(parsed: dict[str, XquadR], lang: str) -> tuple[list[RetrievalItem], list[Candidate]]:
    """XTREME-R's LAReQA for queries in ``lang``: the pool is every language's sentences, and the
    relevant candidates of a question are its answer sentences in every language (by question id)."""
    relevant_by_id: dict[str, list[str]] = {}
    pool: list[Candidate] = []
    for code in sorted(parsed):
        pool.extend(parsed[code].sentences)
        for qid, _, rel in parsed[code].questions:
            relevant_by_id.setdefault(qid, []).extend(rel)
    items = [
        RetrievalItem(id=qid, query=question, relevant=tuple(relevant_by_id[qid]))
        for qid, question, _ in parsed[lang].questions
    ]
    return items, pool
