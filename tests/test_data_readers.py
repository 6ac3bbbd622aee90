"""Readers on tiny fixtures in the real layouts: every format, and every kind of bad input."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from xtremer_robust.data import (
    Answer,
    ChoiceItem,
    PairItem,
    QAItem,
    RetrievalItem,
    TaggingItem,
    available_sets,
    load_lareqa_multilingual,
    load_task_data,
    scan_sets,
)
from xtremer_robust.tasks import get_task
from xtremer_robust.errors import ConfigError, DataError, DataUnavailableError


@pytest.fixture()
def data_copy(tiny_data_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the tiny data folder, for the bad-input cases."""
    target = tmp_path / "data"
    shutil.copytree(tiny_data_dir, target)
    return target


def _write(root: Path, rel: str, content: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


# ---------------------------------------------------------------- formats


def test_xnli_dev_reads_csv_quoting(tiny_data_dir: Path) -> None:
    data = load_task_data("xnli", "sw", "dev", data_dir=tiny_data_dir)
    assert [item.id for item in data.items] == ["dev-00000", "dev-00001", "dev-00002"]
    assert data.items[1] == PairItem(
        id="dev-00001", text_a="Paka aliketi kwenye mkeka.", text_b='Mbwa "mkubwa" alibweka.', label="neutral"
    )
    assert data.family == "pair_classification" and data.split == "dev"


def test_xnli_test_joins_shared_labels_by_row(tiny_data_dir: Path) -> None:
    sw = load_task_data("xnli", "sw", data_dir=tiny_data_dir)  # eval split = test
    en = load_task_data("xnli", "en", data_dir=tiny_data_dir)
    assert sw.split == "test"
    assert [i.label for i in sw.items] == ["entailment", "contradiction", "contradiction", "neutral"]
    assert [i.label for i in en.items] == [i.label for i in sw.items]
    assert [i.id for i in en.items] == [i.id for i in sw.items]  # paired across languages
    labels = tiny_data_dir / "xnli" / "test-labels.tsv"
    assert [s.path for s in sw.sources] == ["xnli/test-sw.tsv", "xnli/test-labels.tsv"]
    assert sw.sources[1].sha256 == hashlib.sha256(labels.read_bytes()).hexdigest()


def test_pawsx_header_layouts_keep_source_ids(tiny_data_dir: Path) -> None:
    de = load_task_data("pawsx", "de", data_dir=tiny_data_dir)
    zh = load_task_data("pawsx", "zh", data_dir=tiny_data_dir)  # second pattern of the spec
    assert [i.id for i in de.items] == ["7", "9"] == [i.id for i in zh.items]
    assert de.items[1].text_a == 'Das Lied "Blau" erschien 1990.' and de.items[1].label == "0"
    assert zh.sources[0].path == "pawsx/hf_labeled/zh/test-00000-of-00001.tsv"
    dev = load_task_data("pawsx", "de", "dev", data_dir=tiny_data_dir)
    assert dev.items[1].text_a == 'Er nannte es "Heimat".' and dev.items[1].id == "dev-00001"


def test_xcopa_jsonl(tiny_data_dir: Path) -> None:
    data = load_task_data("xcopa", "qu", data_dir=tiny_data_dir)
    assert data.items[0] == ChoiceItem(
        id="test-00000",
        premise="Wasi ukhu yakuwan hunt\u2019ayqurqan.",
        question="cause",
        choices=("Tamya karqan.", "Inti karqan."),
        label=0,
    )
    english = load_task_data("xcopa", "en", "dev", data_dir=tiny_data_dir)  # the copa-en layout
    assert [i.label for i in english.items] == [0, 1] and english.items[1].question == "effect"


def test_panx_blocks(tiny_data_dir: Path) -> None:
    data = load_task_data("panx", "yo", data_dir=tiny_data_dir)
    assert data.items == (
        TaggingItem(id="dev-00000", tokens=("Ìlú", "Èkó", "ni"), tags=("B-LOC", "I-LOC", "O")),
        TaggingItem(id="dev-00001", tokens=("Adé", "lọ"), tags=("B-PER", "O")),
        TaggingItem(id="dev-00002", tokens=("Òrìṣà",), tags=("B-ORG",)),
    )


def test_conllu_skips_ranges_empty_nodes_and_withheld_text(tiny_data_dir: Path) -> None:
    data = load_task_data("udpos", "yo", data_dir=tiny_data_dir)
    assert [(i.tokens, i.tags) for i in data.items] == [
        (("Adé", "jẹun", "."), ("PROPN", "VERB", "PUNCT")),
        (("sí", "ilé", "wa"), ("ADP", "NOUN", "PRON")),
    ]


def test_conllu_treebanks_concatenate_in_sorted_order(tiny_data_dir: Path) -> None:
    data = load_task_data("udpos", "en", data_dir=tiny_data_dir)
    assert [s.path for s in data.sources] == ["udpos/en_alpha-ud-test.conllu", "udpos/en_beta-ud-test.conllu"]
    assert [i.tokens[0] for i in data.items] == ["Dogs", "Birds", "Yes"]
    assert [i.id for i in data.items] == ["test-00000", "test-00001", "test-00002"]


def test_squad_json_uses_question_ids(tiny_data_dir: Path) -> None:
    data = load_task_data("xquad", "th", data_dir=tiny_data_dir)
    assert [i.id for i in data.items] == ["q-river-1", "q-river-2"]
    item = data.items[0]
    assert isinstance(item, QAItem)
    answer = item.answers[0]
    assert item.context[answer.start : answer.start + len(answer.text)] == answer.text == "372 กิโลเมตร"
    mlqa = load_task_data("mlqa", "ar", data_dir=tiny_data_dir)
    assert mlqa.items[0].answers == (Answer(text="الساعة التاسعة", start=mlqa.items[0].context.index("الساعة")),)


def test_squad_json_with_repeated_ids_gets_positional_ids(tiny_data_dir: Path) -> None:
    data = load_task_data("tydiqa", "sw", "train", data_dir=tiny_data_dir)
    assert [i.id for i in data.items] == ["train-00000", "train-00001"]


def test_tatoeba_keeps_english_order(tiny_data_dir: Path) -> None:
    data = load_task_data("tatoeba", "sw", data_dir=tiny_data_dir)
    assert [c.text for c in data.candidates] == ["Thank you very much.", "Good morning.", "I like tea."]
    assert data.items[1] == RetrievalItem(id="test-00001", query="Habari za asubuhi.", relevant=("eng-00001",))
    assert {s.path for s in data.sources} == {"tatoeba/tatoeba.swh-eng.swh", "tatoeba/tatoeba.swh-eng.eng"}


def test_xquad_r_relevant_sentences(tiny_data_dir: Path) -> None:
    data = load_task_data("lareqa_monolingual", "en", data_dir=tiny_data_dir)
    by_id = {i.id: i for i in data.items}
    texts = {c.id: c.text for c in data.candidates}
    assert [texts[c] for c in by_id["xr-1"].relevant] == ["The bridge opened in 1932."]
    assert [texts[c] for c in by_id["xr-2"].relevant] == ["Trains cross it daily."]
    # utils_lareqa: the sentence holding answer_start, even when the answer crosses a break
    assert [texts[c] for c in by_id["xr-3"].relevant] == ["Bees make honey."]
    assert len(data.candidates) == 5


def test_lareqa_is_xtreme_rs_multilingual_pool(tiny_data_dir: Path) -> None:
    data = load_task_data("lareqa", "en", data_dir=tiny_data_dir)
    assert len(data.candidates) == 55  # 11 languages x 5 sentences
    assert {c.id.split("-")[0] for c in data.candidates} == set(get_task("lareqa").languages)
    for item in data.items:  # one answer sentence per language: exactly 11
        assert len(item.relevant) == 11 and len({r.split("-")[0] for r in item.relevant}) == 11
    by_id = {i.id: i for i in data.items}
    assert "de-000-00" in by_id["xr-1"].relevant and "zh-001-00" in by_id["xr-3"].relevant


def test_lareqa_multilingual_pool(tiny_data_dir: Path) -> None:
    data = load_lareqa_multilingual("de", tiny_data_dir, languages=["de", "en"])
    assert len(data.candidates) == 10  # 5 German + 5 English sentences
    relevant = {i.id: set(i.relevant) for i in data.items}
    assert relevant["xr-1"] == {"de-000-00", "en-000-00"}
    assert [i.query for i in data.items][0] == "Wann wurde die Brücke eröffnet?"


def test_ids_unique_and_sources_hashed_for_every_fixture_set(tiny_data_dir: Path) -> None:
    for task in ("xnli", "pawsx", "xcopa", "panx", "udpos", "xquad", "mlqa", "tydiqa", "tatoeba", "lareqa"):
        for status in scan_sets(task, tiny_data_dir):
            if status.state != "ok":
                continue
            data = load_task_data(task, status.language, status.split, data_dir=tiny_data_dir)
            assert len({i.id for i in data.items}) == len(data.items) == status.count
            for source in data.sources:
                assert source.sha256 == hashlib.sha256((tiny_data_dir / source.path).read_bytes()).hexdigest()


def test_available_sets_lists_present_sets_only(tiny_data_dir: Path) -> None:
    assert available_sets("xnli", tiny_data_dir) == {"en": {"test": 4, "dev": 3}, "sw": {"test": 4, "dev": 3}}
    assert available_sets("mewslix", tiny_data_dir) == {}
    states = {(s.language, s.split): s.state for s in scan_sets("tydiqa", tiny_data_dir)}
    assert states[("sw", "train")] == "ok" and states[("en", "train")] == "missing"
    assert states[("ar", "test")] == "unavailable"


# ---------------------------------------------------------------- bad input


def test_unknown_task_language_and_split(tiny_data_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"Unknown task 'xnlii'. Did you mean 'xnli'\?"):
        load_task_data("xnlii", "sw", data_dir=tiny_data_dir)
    with pytest.raises(ConfigError, match=r"Unknown language for task xnli 'yo'"):
        load_task_data("xnli", "yo", data_dir=tiny_data_dir)
    with pytest.raises(ConfigError, match=r"Unknown split for task xnli 'tset'. Did you mean 'test'\?"):
        load_task_data("xnli", "sw", "tset", data_dir=tiny_data_dir)
    with pytest.raises(ConfigError, match="is not a folder"):
        load_task_data("xnli", "sw", data_dir=tiny_data_dir / "nowhere")


def test_missing_file_names_the_expected_path(tiny_data_dir: Path) -> None:
    with pytest.raises(DataUnavailableError, match=r"xnli ar test: no file in .* matches xnli/test-ar.tsv"):
        load_task_data("xnli", "ar", data_dir=tiny_data_dir)
    with pytest.raises(DataUnavailableError, match="no dev split for language 'de'"):
        load_task_data("udpos", "de", "dev", data_dir=tiny_data_dir)
    with pytest.raises(DataUnavailableError, match="Mewsli-X is built by a scraping pipeline"):
        load_task_data("mewslix", "ar", data_dir=tiny_data_dir)
    with pytest.raises(DataUnavailableError, match="no local file layout for split 'test'"):
        load_task_data("tydiqa", "sw", data_dir=tiny_data_dir)


def _fails(root: Path, task: str, lang: str, split: str | None, *patterns: str) -> DataError:
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    with pytest.raises(DataError) as info:
        load_task_data(task, lang, split, data_dir=root)
    message = str(info.value)
    for pattern in patterns:
        assert pattern in message, message
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before  # nothing written
    return info.value


def test_wrong_column_count(data_copy: Path) -> None:
    _write(data_copy, "xnli/dev-sw.tsv", "a\tb\tneutral\na\tb\tneutral\textra\n")
    err = _fails(data_copy, "xnli", "sw", "dev", "xnli/dev-sw.tsv, line 2", "expected 3", "found 4")
    assert err.line == 2 and err.path is not None and err.path.endswith("dev-sw.tsv")


def test_unknown_label(data_copy: Path) -> None:
    _write(data_copy, "xnli/dev-sw.tsv", "a\tb\tneutral\na\tb\tmaybe\n")
    _fails(data_copy, "xnli", "sw", "dev", "line 2", "unknown label 'maybe'", "contradiction, entailment, neutral")


def test_broken_quoting(data_copy: Path) -> None:
    _write(data_copy, "pawsx/dev-de.tsv", 'a\tb\t1\n"unclosed quote\tb\t0\n')
    _fails(data_copy, "pawsx", "de", "dev", "line 2", "malformed tab-separated line")


def test_labels_file_of_another_release(data_copy: Path) -> None:
    _write(data_copy, "xnli/test-labels.tsv", "row\tpairID\tpromptID\tgenre\tgold_label\n0\t1\t1\tx\tneutral\n")
    _fails(data_copy, "xnli", "sw", None, "test-labels.tsv", "has 1 labels but xnli/test-sw.tsv has 4 rows")


def test_duplicate_source_ids(data_copy: Path) -> None:
    _write(data_copy, "pawsx/hf_labeled/test-de.tsv", "id\tsentence1\tsentence2\tlabel\n7\ta\tb\t1\n7\tc\td\t0\n")
    _fails(data_copy, "pawsx", "de", None, "item id '7' occurs twice", "pawsx/hf_labeled/test-de.tsv")


def test_broken_json_line(data_copy: Path) -> None:
    good = (data_copy / "xcopa/test.qu.jsonl").read_text(encoding="utf-8").splitlines()[0]
    _write(data_copy, "xcopa/test.qu.jsonl", good + '\n{"premise": "x", "choice1": \n')
    _fails(data_copy, "xcopa", "qu", None, "xcopa/test.qu.jsonl, line 2", "broken JSON")


def test_bad_choice_label(data_copy: Path) -> None:
    row = '{"premise": "p", "choice1": "a", "choice2": "b", "question": "cause", "label": 2}\n'
    _write(data_copy, "xcopa/test.qu.jsonl", row)
    _fails(data_copy, "xcopa", "qu", None, "line 1", "unknown label 2; expected 0 or 1")


def test_broken_json_document(data_copy: Path) -> None:
    _write(data_copy, "xquad/xquad.th.json", '{"data": [\n  {"paragraphs": [\n    {"context": "x" "qas": []}\n]}]}\n')
    _fails(data_copy, "xquad", "th", None, "xquad/xquad.th.json, line 3", "broken JSON")


def test_answer_offset_that_misses_the_answer(data_copy: Path) -> None:
    _write(data_copy, "xquad/xquad.th.json", '{"data": [{"paragraphs": [{"context": "abc def", "qas": '
           '[{"id": "q", "question": "?", "answers": [{"text": "def", "answer_start": 1}]}]}]}]}')
    _fails(data_copy, "xquad", "th", None, "answer_start 1 does not point at the answer text 'def'")


def test_invalid_utf8(data_copy: Path) -> None:
    _write(data_copy, "panx/dev-yo.tsv", "A\tO\n\nB\tO\nbad\xff".encode("latin-1") + b"\tO\n")
    _fails(data_copy, "panx", "yo", None, "panx/dev-yo.tsv, line 4", "invalid UTF-8", "re-encode")


def test_tagging_line_without_tab(data_copy: Path) -> None:
    _write(data_copy, "panx/dev-yo.tsv", "A\tO\nB O\n")
    _fails(data_copy, "panx", "yo", None, "line 2", "expected 'token<TAB>tag', found no tab")


def test_unknown_tag(data_copy: Path) -> None:
    _write(data_copy, "panx/dev-yo.tsv", "A\tB-MISC\n")
    _fails(data_copy, "panx", "yo", None, "line 1", "unknown tag 'B-MISC'")


def test_conllu_wrong_field_count(data_copy: Path) -> None:
    text = "# c\n1\ta\ta\tNOUN\t_\t_\t0\troot\t_\t_\n2 b b NOUN _ _ 1 dep _ _\n"
    _write(data_copy, "udpos/yo_ytb-ud-test.conllu", text)
    _fails(data_copy, "udpos", "yo", None, "yo_ytb-ud-test.conllu, line 3", "expected 10 tab-separated CoNLL-U fields")


def test_conllu_out_of_sequence(data_copy: Path) -> None:
    text = "1\ta\ta\tNOUN\t_\t_\t0\troot\t_\t_\n1\tb\tb\tNOUN\t_\t_\t0\troot\t_\t_\n"
    _write(data_copy, "udpos/yo_ytb-ud-test.conllu", text)
    _fails(data_copy, "udpos", "yo", None, "line 2", "word ID 1 out of sequence", "blank line missing")


def test_tatoeba_sides_of_different_length(data_copy: Path) -> None:
    _write(data_copy, "tatoeba/tatoeba.swh-eng.eng", "Only one line.\n")
    _fails(data_copy, "tatoeba", "sw", None, "tatoeba.swh-eng.eng", "has 1 lines but tatoeba/tatoeba.swh-eng.swh has 3")


def test_xquad_r_without_sentences(data_copy: Path) -> None:
    shutil.copy(data_copy / "xquad/xquad.th.json", data_copy / "lareqa/en.json")
    _fails(data_copy, "lareqa_monolingual", "en", None, "lareqa/en.json", 'expected "context" and a "sentence_breaks" list')


def test_malformed_set_shows_as_error_in_scan_and_raises_in_available_sets(data_copy: Path) -> None:
    _write(data_copy, "xnli/dev-sw.tsv", "a\tb\tneutral\na\tb\tmaybe\n")
    states = {(s.language, s.split): s for s in scan_sets("xnli", data_copy)}
    assert states[("sw", "dev")].state == "error" and "line 2" in (states[("sw", "dev")].message or "")
    assert states[("en", "dev")].state == "ok"
    with pytest.raises(DataError, match="unknown label 'maybe'") as info:
        available_sets("xnli", data_copy)
    assert info.value.line == 2
