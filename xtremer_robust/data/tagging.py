"""Sequence-tagging files: PAN-X ``token<TAB>tag`` blocks and Universal Dependencies CoNLL-U.

CoNLL-U is read the way XTREME builds its UD-POS sets (``utils_preprocess.py``
``udpos_preprocess`` on the output of ``conllu_to_conll``): the word form and UPOS of every
word line whose ID is an integer; multiword-token ranges (``1-2``) and empty nodes (``1.1``)
are skipped, so the tags are those of the syntactic words; sentences whose forms are all
(or all but one) ``_`` are dropped, as XTREME drops them (treebanks that withhold their
text). Token forms are kept verbatim (XTREME additionally deletes spaces and ZWNJ inside a
form, which changes the text a model sees; we do not).
"""

from __future__ import annotations

import re
from typing import Sequence

from xtremer_robust.families.records import TaggingItem
from xtremer_robust.data.sources import SourceText

__all__ = ["read_token_tag_tsv", "read_conllu", "CONLLU_FIELDS"]

CONLLU_FIELDS = 10
_WORD_ID = re.compile(r"[1-9][0-9]*")
_SKIPPED_ID = re.compile(r"[1-9][0-9]*-[1-9][0-9]*|[0-9]+\.[1-9][0-9]*")


def _check_tag(source: SourceText, number: int, tag: str, labels: Sequence[str]) -> str:
    if labels and tag not in labels:
        raise source.error(f"unknown tag '{tag}'; expected one of {', '.join(labels)}", number)
    return tag


def read_token_tag_tsv(source: SourceText, *, labels: Sequence[str]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(tokens, tags) per sentence of a PAN-X file: one ``token<TAB>tag`` per line, blank lines between."""
    sentences: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    tokens: list[str] = []
    tags: list[str] = []
    for number, line in source.lines():
        if not line.strip():
            if tokens:
                sentences.append((tuple(tokens), tuple(tags)))
                tokens, tags = [], []
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0]:
            found = "no tab" if len(fields) == 1 else f"{len(fields)} tab-separated fields"
            raise source.error(
                f"expected 'token<TAB>tag', found {found}: {line[:60]!r}. Each token is on its own line "
                "followed by one tab and its tag; sentences are separated by a blank line.",
                number,
            )
        tokens.append(fields[0])
        tags.append(_check_tag(source, number, fields[1], labels))
    if tokens:
        sentences.append((tuple(tokens), tuple(tags)))
    if not sentences:
        raise source.error("the file holds no sentences; expected 'token<TAB>tag' lines (an empty file is refused)")
    return sentences


def _keep_sentence(forms: list[str]) -> bool:
    """XTREME's filter: keep unless (nearly) every form is ``_`` (text withheld by the treebank)."""
    hidden = sum(form == "_" for form in forms)
    return hidden == 0 or hidden < len(forms) - 1


def read_conllu(source: SourceText, *, labels: Sequence[str]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(forms, UPOS tags) per sentence of a CoNLL-U file (see the module docstring)."""
    sentences: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    forms: list[str] = []
    tags: list[str] = []
    word_lines = 0

    def close() -> None:
        nonlocal forms, tags
        if forms and _keep_sentence(forms):
            sentences.append((tuple(forms), tuple(tags)))
        forms, tags = [], []

    for number, line in source.lines():
        if not line.strip():
            close()
            continue
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != CONLLU_FIELDS:
            raise source.error(
                f"expected {CONLLU_FIELDS} tab-separated CoNLL-U fields (ID FORM LEMMA UPOS XPOS FEATS HEAD "
                f"DEPREL DEPS MISC), found {len(fields)}; check for spaces typed instead of tabs",
                number,
            )
        word_id = fields[0]
        if _SKIPPED_ID.fullmatch(word_id):
            continue
        if not _WORD_ID.fullmatch(word_id):
            raise source.error(
                f"invalid word ID '{word_id}'; expected an integer, a range 1-2 or an empty node 1.1", number
            )
        if int(word_id) != len(forms) + 1:
            raise source.error(
                f"word ID {word_id} out of sequence (expected {len(forms) + 1}); is a blank line missing "
                "between two sentences?",
                number,
            )
        forms.append(fields[1])
        tags.append(_check_tag(source, number, fields[3], labels))
        word_lines += 1
    close()
    if not word_lines:  # an empty file; a file whose every sentence is withheld (all '_') is not an error
        raise source.error("the file holds no word lines; expected CoNLL-U sentences (an empty file is refused)")
    return sentences


def to_items(
    sentences: list[tuple[tuple[str, ...], tuple[str, ...]]], *, split: str, start: int = 0
) -> list[TaggingItem]:
    """Tagging items with ids ``{split}-{index:05d}`` counted from ``start`` (files concatenate)."""
    return [
        TaggingItem(id=f"{split}-{start + i:05d}", tokens=tokens, tags=tags)
        for i, (tokens, tags) in enumerate(sentences)
    ]
