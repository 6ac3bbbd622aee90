"""A tiny data folder with English training sets of every family, for the training tests.

The evaluation fixtures of ``tests/fixtures/data`` are copied into a temporary folder and
small English training files (our own sentences) are written beside them in the original
layouts, so ``train`` reads them through the ordinary readers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers.models import TINY_DATA

_PAIRS = [
    ("The cat sat on the mat.", "A cat is sitting.", "entailment"),
    ("The cat sat on the mat.", "The dog barked.", "neutral"),
    ("It rained all day.", "The ground stayed dry.", "contradiction"),
    ("A man plays a guitar.", "Someone makes music.", "entailment"),
    ("A man plays a guitar.", "The man is asleep.", "contradiction"),
    ("Children run in the park.", "The park is busy today.", "neutral"),
    ("She reads a book.", "A woman is reading.", "entailment"),
    ("She reads a book.", "She is swimming.", "contradiction"),
]

_NER = [
    [("Anna", "B-PER"), ("lives", "O"), ("in", "O"), ("Paris", "B-LOC"), (".", "O")],
    [("The", "O"), ("United", "B-ORG"), ("Nations", "I-ORG"), ("met", "O"), ("today", "O")],
    [("John", "B-PER"), ("Smith", "I-PER"), ("visited", "O"), ("Rome", "B-LOC")],
    [("Rain", "O"), ("fell", "O"), ("on", "O"), ("Berlin", "B-LOC")],
]

_QA = [
    ("Mount Kilimanjaro is in Tanzania.", "Where is Mount Kilimanjaro?", "Tanzania"),
    ("Lake Victoria is a large lake in Africa.", "What is Lake Victoria?", "a large lake"),
    ("The river Nile flows north into the sea.", "Which way does the Nile flow?", "north"),
]

_CONLLU = """# sent_id = t-1
1	Dogs	dog	NOUN	_	_	2	nsubj	_	_
2	bark	bark	VERB	_	_	0	root	_	_
3	.	.	PUNCT	_	_	2	punct	_	_

# sent_id = t-2
1	The	the	DET	_	_	2	det	_	_
2	cat	cat	NOUN	_	_	3	nsubj	_	_
3	sleeps	sleep	VERB	_	_	0	root	_	_

"""


def make_train_data(root: Path) -> Path:
    """A copy of the tiny fixtures plus English training sets of every family; returns its path."""
    data = root / "data"
    shutil.copytree(TINY_DATA, data)
    (data / "xnli" / "dev-en.tsv").write_text("".join(f"{a}\t{b}\t{label}\n" for a, b, label in _PAIRS), encoding="utf-8")
    (data / "pawsx").mkdir(exist_ok=True)
    (data / "pawsx" / "dev-en.tsv").write_text(
        "".join(f"{a}\t{b}\t{int(label == 'entailment')}\n" for a, b, label in _PAIRS), encoding="utf-8")
    copa = [{"premise": "The lamp went out.", "choice1": "The bulb burned out.", "choice2": "The sun rose.", "question": "cause", "label": 0, "idx": 0},
            {"premise": "I dropped the glass.", "choice1": "It flew away.", "choice2": "It shattered.", "question": "effect", "label": 1, "idx": 1}]
    (data / "xcopa" / "copa-en" / "train-en.jsonl").write_text("".join(json.dumps(r) + "\n" for r in copa), encoding="utf-8")
    (data / "panx" / "train-en.tsv").write_text(
        "\n".join("".join(f"{tok}\t{tag}\n" for tok, tag in sentence) for sentence in _NER), encoding="utf-8")
    (data / "udpos" / "en_toy-ud-dev.conllu").write_text(_CONLLU, encoding="utf-8")
    articles = [{"title": f"t{n}", "paragraphs": [{"context": c, "qas": [{"id": f"q{n}", "question": q, "answers": [{"text": a, "answer_start": c.index(a)}]}]}]}
                for n, (c, q, a) in enumerate(_QA)]
    (data / "tydiqa" / "tydiqa.goldp.en.train.json").write_text(json.dumps({"data": articles, "version": "toy"}), encoding="utf-8")
    return data
