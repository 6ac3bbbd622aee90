"""seqeval entity F1 (PAN-X) and XTREME's seqeval F1 on POS tags (UD-POS), kept per sentence."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval.metrics import f1_score, precision_score, recall_score
from seqeval.metrics.sequence_labeling import get_entities

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics import SeqevalF1, get_chunks
from xtremer_robust.metrics.tagging import tagging_counts

NER_TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
POS_TAGS = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN",
            "PUNCT", "SCONJ", "SYM", "VERB", "X"]
# Odd tags seqeval still accepts: other schemes' prefixes, bare letters, conlleval's "."
ODD_TAGS = ["E-PER", "S-LOC", "I", "B", ".", "O"]
ALL_TAGS = NER_TAGS + POS_TAGS + ODD_TAGS


def _seqeval(fn, gold, pred):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seqeval warns on every non-IOB tag and on 0/0
        return fn(gold, pred)


sentences = st.lists(st.lists(st.sampled_from(ALL_TAGS), min_size=1, max_size=8), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALL_TAGS), max_size=15))
def test_chunker_equals_seqeval_get_entities(sequence):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = get_entities(list(sequence))
    assert get_chunks(sequence) == expected


@settings(max_examples=300, deadline=None)
@given(sentences, st.data())
def test_corpus_f1_precision_recall_equal_seqeval(gold, data):
    pred = [[data.draw(st.sampled_from([t, *ALL_TAGS])) for t in sentence] for sentence in gold]
    metric = SeqevalF1()
    stats = metric.batch_stats(predictions=pred, references=gold)
    assert stats.shape == (len(gold), 3)
    assert metric.score(stats) == pytest.approx(_seqeval(f1_score, gold, pred), abs=1e-12)
    assert metric.scores(stats)["precision"] == pytest.approx(_seqeval(precision_score, gold, pred), abs=1e-12)
    assert metric.scores(stats)["recall"] == pytest.approx(_seqeval(recall_score, gold, pred), abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(NER_TAGS), min_size=1, max_size=8), min_size=1, max_size=6), st.data())
def test_iob2_sentences_score_alone(gold, data):
    """With IOB2 tags every chunk closes inside its sentence: item_stats == batch rows."""
    pred = [[data.draw(st.sampled_from(NER_TAGS)) for _ in sentence] for sentence in gold]
    metric = SeqevalF1()
    rows = [metric.item_stats(prediction=p, reference=g) for p, g in zip(pred, gold)]
    np.testing.assert_array_equal(np.asarray(rows), metric.batch_stats(predictions=pred, references=gold))


def test_i_tag_without_b_opens_an_entity_like_seqeval_default_mode():
    gold = [["O", "I-PER", "I-PER", "O", "B-LOC"]]
    assert get_chunks(gold[0]) == [("PER", 1, 2), ("LOC", 4, 4)]
    pred = [["O", "B-PER", "I-PER", "O", "I-LOC"]]
    stats = SeqevalF1().batch_stats(predictions=pred, references=gold)
    np.testing.assert_array_equal(stats, [[2, 2, 2]])  # B-PER I-PER == I-PER I-PER; I-LOC == B-LOC


def test_pos_tags_chunk_by_their_tail_as_seqeval_reads_them():
    # NOUN NOUN is one chunk of type "OUN"; INTJ reads as an I- tag, SYM as an S- tag.
    assert get_chunks(["NOUN", "NOUN", "VERB"]) == [("OUN", 0, 1), ("ERB", 2, 2)]
    assert get_chunks(["SYM", "SYM"]) == [("YM", 0, 0), ("YM", 1, 1)]


def test_x_chunk_crossing_a_sentence_boundary_is_counted_once():
    """'X' has seqeval type '_' like the separator 'O', so after an 'O' it opens no chunk and
    the chunk it closes starts at a stale offset in the previous sentence. By hand:
    gold NOUN NOUN O X NOUN O -> (OUN,0,1) (_,0,3) (OUN,4,4);
    pred NOUN VERB O X NOUN O -> (OUN,0,0) (ERB,1,1) (_,1,3) (OUN,4,4); tp = 1."""
    gold = [["NOUN", "NOUN"], ["X", "NOUN"]]
    pred = [["NOUN", "VERB"], ["X", "NOUN"]]
    metric = SeqevalF1()
    stats = metric.batch_stats(predictions=pred, references=gold)
    assert stats.sum(axis=0).tolist() == [1.0, 4.0, 3.0]
    assert metric.score(stats) == pytest.approx(_seqeval(f1_score, gold, pred), abs=1e-12)
    # Scored alone, the second sentence would match both of its chunks: tp 2, not seqeval's 1.
    isolated = sum(np.asarray(metric.item_stats(prediction=p, reference=g)) for p, g in zip(pred, gold))
    assert isolated.tolist() == [2.0, 4.0, 3.0]


def test_length_mismatch_names_the_sentence():
    with pytest.raises(ConfigError, match="sentence 1 has 1 predicted tags but 2 gold tags"):
        tagging_counts([["O"], ["O"]], [["O"], ["O", "O"]])
    with pytest.raises(ConfigError, match="expected a sequence of tag strings"):
        SeqevalF1().item_stats(prediction="B-PER", reference=["B-PER"])
    with pytest.raises(ConfigError, match="empty tag"):
        get_chunks(["O", ""])


def test_no_entities_anywhere_scores_zero_like_seqeval():
    gold = pred = [["O", "O"]]
    stats = SeqevalF1().batch_stats(predictions=pred, references=gold)
    assert SeqevalF1().score(stats) == 0.0 == _seqeval(f1_score, gold, pred)


REAL_UDPOS = Path(__file__).resolve().parents[1].parent / "shared" / "xtremer-data" / "udpos"


def _conllu_upos(path: Path) -> list[list[str]]:
    """UPOS column of a CoNLL-U file, multi-word and empty nodes skipped."""
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
        elif not line.startswith("#"):
            cols = line.split("\t")
            if "-" not in cols[0] and "." not in cols[0]:
                current.append(cols[3])
    if current:
        sentences.append(current)
    return sentences


@pytest.mark.benchmark
@pytest.mark.skipif(not REAL_UDPOS.is_dir(), reason="real UD test files (shared data folder) absent")
def test_real_udpos_agreement_and_speed():
    """Every UD test file of the data folder, 20% of tags replaced at random (seed 0):
    our corpus F1 equals seqeval's; prints both timings."""
    import random
    import time

    gold = [s for path in sorted(REAL_UDPOS.glob("*-ud-test.conllu")) for s in _conllu_upos(path)]
    rng = random.Random(0)
    pred = [[t if rng.random() < 0.8 else rng.choice(POS_TAGS) for t in s] for s in gold]
    metric = SeqevalF1()
    start = time.perf_counter()
    ours = metric.score(metric.batch_stats(predictions=pred, references=gold))
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs = _seqeval(f1_score, gold, pred)
    theirs_s = time.perf_counter() - start
    tokens = sum(map(len, gold))
    print(f"\n{len(gold)} sentences, {tokens} tokens: F1 ours {ours:.12f} seqeval {theirs:.12f}; "
          f"time ours {ours_s:.2f} s, seqeval {theirs_s:.2f} s (ratio {theirs_s / ours_s:.2f})")
    assert ours == pytest.approx(theirs, abs=1e-12)


def test_seqeval_is_the_pinned_release_evaluate_py_used() -> None:
    """XTREME installs seqeval unpinned; 1.2.2 is its release since 2020-10 and the one pinned here."""
    from importlib.metadata import version

    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"seqeval==1.2.2"' in pyproject
    assert version("seqeval") == "1.2.2"
