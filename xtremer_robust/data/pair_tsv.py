"""Pair classification files (XNLI, PAWS-X) in XTREME's tab-separated layout.

XTREME's ``utils_preprocess.py`` writes these with ``csv.writer(delimiter='\\t')``, so a
field holding a double quote is quoted and its quotes doubled (PAWS-X has hundreds); a
plain ``split('\\t')`` would keep the quotes. Each line is parsed on its own so that an
error names its line. Three layouts occur:

* ``text_a<TAB>text_b<TAB>label`` (dev files);
* ``text_a<TAB>text_b`` (XTREME test files, labels stripped): the gold labels are joined
  by row index from ``<split>-labels.tsv`` beside the file when it exists (XNLI's test
  labels are shared by all 15 languages, see the data folder's MANIFEST.md);
* a header ``id sentence1 sentence2 label`` (the Hub's PAWS-X export): ids come from the
  ``id`` column.
"""

from __future__ import annotations

import csv
from typing import Sequence

from xtremer_robust.families.records import PairItem
from xtremer_robust.data.sources import SourceText

__all__ = ["read_pair_tsv", "labels_file_for", "LABEL_COLUMN"]

#: Column of the gold label in a ``<split>-labels.tsv`` file.
LABEL_COLUMN = "gold_label"
_HEADER_COLUMNS = ("sentence1", "sentence2", "label")


def labels_file_for(rel: str, split: str) -> str:
    """The labels file that may sit beside a labels-stripped file (``xnli/test-labels.tsv``)."""
    folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
    return f"{folder}{split}-labels.tsv"


def _fields(source: SourceText, number: int, line: str) -> list[str]:
    if not line.strip():
        raise source.error("empty line; expected one tab-separated pair per line (row i must stay row i)", number)
    try:
        return next(csv.reader([line], delimiter="\t", strict=True))
    except (csv.Error, StopIteration) as exc:
        raise source.error(
            f"malformed tab-separated line ({exc}); fields holding a double quote must be quoted "
            'with the quote doubled, as csv.writer writes them ("a ""quoted"" word").',
            number,
        ) from None


def _check_label(source: SourceText, number: int, label: str, labels: Sequence[str]) -> str:
    if labels and label not in labels:
        raise source.error(
            f"unknown label '{label}'; expected one of {', '.join(labels)}. Fix the label or check that "
            "the file belongs to this task.",
            number,
        )
    return label


def _read_gold_labels(source: SourceText, labels: Sequence[str]) -> list[str]:
    rows = [(n, _fields(source, n, line)) for n, line in source.lines()]
    if not rows or LABEL_COLUMN not in rows[0][1]:
        raise source.error(f"expected a header row with a '{LABEL_COLUMN}' column", 1)
    header = rows[0][1]
    column = header.index(LABEL_COLUMN)
    gold = []
    for number, fields in rows[1:]:
        if len(fields) != len(header):
            raise source.error(f"expected {len(header)} columns ({' '.join(header)}), found {len(fields)}", number)
        gold.append(_check_label(source, number, fields[column], labels))
    return gold


def read_pair_tsv(
    source: SourceText,
    *,
    split: str,
    labels: Sequence[str],
    gold: SourceText | None = None,
) -> tuple[list[PairItem], bool]:
    """Pair items of one file in file order, and whether ``gold`` (the labels file of a
    labels-stripped file) supplied their labels."""
    rows = [(n, _fields(source, n, line)) for n, line in source.lines()]
    if not rows:
        raise source.error("the file is empty; expected one tab-separated pair per line")
    header: list[str] | None = None
    if all(name in rows[0][1] for name in _HEADER_COLUMNS):
        header, rows = rows[0][1], rows[1:]
    expected = len(header) if header else len(rows[0][1]) if rows else 3
    if not header and expected not in (2, 3):
        raise source.error(
            f"expected 3 tab-separated columns (text_a, text_b, label) or 2 (text_a, text_b), found {expected}",
            rows[0][0],
        )
    if not rows:
        raise source.error("the file has a header but no rows; expected one tab-separated pair per line after it")
    gold_labels = _read_gold_labels(gold, labels) if gold is not None and expected == 2 else None
    if gold_labels is not None and len(gold_labels) != len(rows):
        raise gold.error(  # type: ignore[union-attr]
            f"has {len(gold_labels)} labels but {source.rel} has {len(rows)} rows; row i of the labels file "
            "labels line i of the data file, so both must come from the same release"
        )
    items = []
    for index, (number, fields) in enumerate(rows):
        if len(fields) != expected:
            what = "columns (" + " ".join(header) + ")" if header else "tab-separated columns like the first line"
            raise source.error(f"expected {expected} {what}, found {len(fields)}", number)
        if header:
            row = dict(zip(header, fields, strict=True))
            item_id = row.get("id") or f"{split}-{index:05d}"
            text_a, text_b, label = row["sentence1"], row["sentence2"], row["label"]
        else:
            item_id = f"{split}-{index:05d}"
            text_a, text_b = fields[0], fields[1]
            label = fields[2] if expected == 3 else gold_labels[index] if gold_labels else None
        if label is not None:
            label = _check_label(source, number, label, labels)
        items.append(PairItem(id=item_id, text_a=text_a, text_b=text_b, label=label))
    return items, gold_labels is not None
