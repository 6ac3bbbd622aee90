"""Retrieval sets: Tatoeba line-aligned pairs and XQuAD-R (LAReQA) answer-sentence retrieval.

Tatoeba (Artetxe & Schwenk 2019, LASER v1 files ``tatoeba.<xxx>-eng.<xxx>`` / ``.eng``):
line i of the xxx side is a query whose one relevant candidate is line i of the English
side; the candidate pool is every English line in FILE ORDER. (XTREME's preprocessing sorts
the English side, which breaks the alignment that scoring relies on; we never sort it.)

XQuAD-R (Roy et al. 2020, "LAReQA: Language-agnostic answer retrieval from a multilingual
pool", EMNLP): SQuAD-format files whose paragraphs carry ``sentences`` and
``sentence_breaks`` (character spans in ``context``). Each question is a query; its
relevant candidates are the sentence(s) whose span overlaps the answer span (an answer that
crosses a sentence break makes both sentences relevant). For one language the pool is that
language's sentences (monolingual retrieval: comparable across languages, perturbations of
the query only). XTREME-R's LAReQA ranks against the pool of all 11 languages at once, where
the relevant candidates are the answer sentences in every language:
:func:`lareqa_multilingual` builds that set.
"""

from __future__ import annotations

from xtremer_robust.data.records import Candidate, RetrievalItem
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
            spans = self._sentences(source, where, p, paragraph)
            for q, qa in enumerate(paragraph["qas"]):
                at = f"{where}.qas[{q}]"
                if not isinstance(qa, dict) or not isinstance(qa.get("question"), str) or not qa.get("id"):
                    raise source.error(f'{at}: expected an object with "id", "question" and "answers"')
                relevant: list[str] = []
                for answer in qa.get("answers") or []:
                    start = answer.get("answer_start") if isinstance(answer, dict) else None
                    if not isinstance(start, int) or not isinstance(answer.get("text"), str):
                        raise source.error(f'{at}: expected answers as {{"text": str, "answer_start": int}}')
                    end = start + len(answer["text"])
                    relevant += [cid for cid, (b, e) in spans if b < max(end, start + 1) and start < e]
                if not relevant:
                    raise source.error(f"{at}: the answer lies in no sentence of sentence_breaks; fix its answer_start")
                self.questions.append((str(qa["id"]), qa["question"], tuple(dict.fromkeys(relevant))))
        ids = [qid for qid, _, _ in self.questions]
        if len(set(ids)) != len(ids):
            raise source.error("question ids are not unique; XQuAD-R pairs questions across languages by id")

    def _sentences(self, source: SourceText, where: str, p: int, paragraph: dict) -> list[tuple[str, tuple[int, int]]]:
        sentences, breaks = paragraph.get("sentences"), paragraph.get("sentence_breaks")
        if not isinstance(sentences, list) or not isinstance(breaks, list) or len(sentences) != len(breaks):
            raise source.error(
                f'{where}: expected "sentences" and "sentence_breaks" lists of equal length (XQuAD-R format); '
                "a plain SQuAD file belongs to the xquad task"
            )
        spans = []
        for s, (text, span) in enumerate(zip(sentences, breaks, strict=True)):
            if not isinstance(text, str) or not (isinstance(span, list) and len(span) == 2):
                raise source.error(f"{where}.sentences[{s}]: expected a text and a [start, end] break")
            candidate = Candidate(id=f"{self.lang}-{p:03d}-{s:02d}", text=text)
            self.sentences.append(candidate)
            spans.append((candidate.id, (int(span[0]), int(span[1]))))
        return spans


def read_xquad_r(source: SourceText, *, lang: str) -> tuple[list[RetrievalItem], list[Candidate]]:
    """Monolingual XQuAD-R: queries of ``lang`` against that language's sentences."""
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
