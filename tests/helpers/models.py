"""Tiny random-weight checkpoints for the model and runner tests (no tests here).

A word-level tokenizer trained on the spot on the tiny fixture files and a 2-layer BERT of
width 32: each checkpoint builds in about a tenth of a second. Weights are random (seeded
through ``torch.Generator``-free ``manual_seed`` inside the helper only): these models test
plumbing, not accuracy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

TINY_DATA = Path(__file__).resolve().parents[1] / "fixtures" / "data"

#: family -> transformers class name of the head
HEAD_CLASSES = {
    "pair_classification": "BertForSequenceClassification",
    "multiple_choice": "BertForMultipleChoice",
    "tagging": "BertForTokenClassification",
    "span_qa": "BertForQuestionAnswering",
    "retrieval": "BertModel",
}


def _corpus() -> list[str]:
    lines: list[str] = []
    for path in sorted(TINY_DATA.rglob("*")):
        if path.is_file():
            lines.extend(path.read_text(encoding="utf-8", errors="replace").splitlines())
    return lines


def build_tokenizer(folder: Path, *, max_length: int = 128):
    """A word-level fast tokenizer with BERT-style specials, saved into ``folder``."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace()])
    trainer = trainers.WordLevelTrainer(vocab_size=2000, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tok.train_from_iterator(_corpus(), trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=max_length,
    )
    fast.save_pretrained(folder)
    return fast


def build_model(
    folder: Path,
    family: str,
    *,
    labels: Sequence[str] | None = None,
    seed: int = 0,
    max_positions: int = 128,
    architecture: str | None = None,
) -> Path:
    """Save a tiny random checkpoint with the head of ``family`` (labels become id2label)."""
    import torch
    import transformers
    from transformers import BertConfig

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(folder, max_length=max_positions)
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=max_positions, pad_token_id=tokenizer.pad_token_id,
    )
    if labels is not None:
        config.num_labels = len(labels)
        config.id2label = dict(enumerate(labels))
        config.label2id = {label: i for i, label in enumerate(labels)}
    torch.manual_seed(seed)
    cls = getattr(transformers, architecture or HEAD_CLASSES[family])
    model = cls(config)
    model.save_pretrained(folder)
    return folder
