"""Speed: the subset builder against TextAttack and nlpaug on the same character-level recipe.

All three perturb the SAME XNLI items (both sentences of each pair; default 5,000 items of
the test split of one language, real data) with random character substitution inside words,
at matched expected edit counts, in one run on the same machine:

- ours: ``char_substitute`` (DeepWordBug's substitute; Gao et al. 2018) at ``--rate`` (the
  share of grapheme clusters inside words that are replaced), measured twice: the bare
  recipe application (``apply_recipe`` over the items), and the whole builder (``build_subsets``
  into a fresh folder with 1 worker: reading, sampling, applying, validity figures, canonical
  files, manifests, index);
- TextAttack: ``Augmenter(WordSwapRandomCharacterSubstitution(), pct_words_to_swap=p)`` with
  p = rate x mean word length (one substituted character per chosen word), one augmented
  text per input;
- nlpaug: ``RandomCharAug(action="substitute", aug_word_p=p, aug_char_p=rate, min_char=1)``
  with its caps lifted: nlpaug replaces at least one character in every word it picks (and
  ``rate`` x length rounds down to 0 for a mean word of about 4.5 letters), so picking a
  share p of the words gives the same expected number of edits as TextAttack's.

The mean character edit ratio each tool reached is printed beside its speed so that the
work done can be checked to be comparable. Target: ours >= 10x both libraries.

Run: ``.venv/bin/python benchmarks/bench_perturb.py --data-dir ../shared/xtremer-data``
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")


def edit_ratio(before: list[str], after: list[str]) -> float:
    """Mean grapheme Levenshtein distance / length over the texts (the same measure for every tool)."""
    from xtremer_robust.perturb import grapheme_distance, graphemes

    ratios = [grapheme_distance(a, b) / max(1, len(graphemes(a))) for a, b in zip(before, after)]
    return statistics.fmean(ratios)


def clear_caches() -> None:
    """Empty every memo cache of the perturbation package, so that a timing starts as a fresh process would.

    The builder, timed after the bare recipe run on the same items, would otherwise find the
    segmentation of every text already cached.
    """
    import functools
    import importlib
    import pkgutil

    import xtremer_robust.perturb as perturb

    names = [perturb.__name__] + [m.name for m in pkgutil.walk_packages(perturb.__path__, perturb.__name__ + ".")]
    for name in names:
        module = importlib.import_module(name)
        for value in list(vars(module).values()):
            if isinstance(value, functools._lru_cache_wrapper):
                value.cache_clear()


def import_textattack():  # noqa: ANN201
    """TextAttack's Augmenter and the character substitution, importable offline."""
    try:
        from xtremer_robust.perturb.adapters_runtime import import_textattack as runtime_import

        runtime_import()
    except ImportError:
        import nltk

        nltk.data.path.insert(0, str(Path(__file__).resolve().parents[1] / "xtremer_robust" / "perturb" / "nltk_data"))
    from textattack.augmentation import Augmenter
    from textattack.transformations import WordSwapRandomCharacterSubstitution

    return Augmenter, WordSwapRandomCharacterSubstitution


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "xtremer-data")
    parser.add_argument("--lang", default="en", help="XNLI test language (Latin script keeps the libraries' word splitting fair)")
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from xtremer_robust.data import load_task_data
    from xtremer_robust.perturb import apply_recipe, get_recipe, graphemes, segment
    from xtremer_robust.subsets import DataDirSource, Suite, Variant, build_subsets, sample_ids
    from xtremer_robust.tasks import get_task

    data = load_task_data("xnli", args.lang, "test", data_dir=args.data_dir)
    keep = set(sample_ids([i.id for i in data.items], args.items, seed=args.seed, task="xnli"))
    items = [i for i in data.items if i.id in keep]
    texts = [t for item in items for t in (item.text_a, item.text_b)]
    words = [w.text for t in texts for w in segment(t) if w.is_word]
    mean_len = statistics.fmean(len(graphemes(w)) for w in words)
    pct_words = min(1.0, args.rate * mean_len)
    print(f"XNLI {args.lang} test: {len(items)} items ({len(texts)} texts), mean word length {mean_len:.2f} clusters; "
          f"rate {args.rate} -> TextAttack pct_words_to_swap {pct_words:.3f}")
    rows: list[tuple[str, float, float]] = []

    # ours, bare application (the reading and sampling above filled no perturbation cache)
    clear_caches()
    recipe = get_recipe("char_substitute", rate=args.rate)
    start = time.perf_counter()
    out = [apply_recipe(item, recipe, seed=args.seed, task="xnli", lang=args.lang).record for item in items]
    elapsed = time.perf_counter() - start
    ours_texts = [t for item in out for t in (item.text_a, item.text_b)]
    rows.append(("ours: apply_recipe", len(items) / elapsed, edit_ratio(texts, ours_texts)))

    # ours, the whole builder (1 worker), into a fresh folder, with empty caches
    clear_caches()
    folder = Path(tempfile.mkdtemp(prefix="bench-subsets-"))
    try:
        suite = Suite("bench", args.seed, (Variant("clean", None), Variant("sub", "char_substitute", {"rate": args.rate})))
        start = time.perf_counter()
        build_subsets(folder, suite=suite, tasks=[get_task("xnli")], langs=[args.lang],
                      source=DataDirSource(str(args.data_dir)), limit=args.items, workers=1, generalized=False)
        elapsed = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rows.append(("ours: build_subsets (files, manifests, validity)", len(items) / elapsed, rows[0][2]))

    # TextAttack
    Augmenter, Substitution = import_textattack()
    augmenter = Augmenter(transformation=Substitution(), pct_words_to_swap=pct_words, transformations_per_example=1)
    random.seed(args.seed)
    np.random.seed(args.seed)
    start = time.perf_counter()
    ta = [(augmenter.augment(t) or [t])[0] for t in texts]
    elapsed = time.perf_counter() - start
    rows.append(("TextAttack Augmenter", len(items) / elapsed, edit_ratio(texts, ta)))

    # nlpaug
    import nlpaug.augmenter.char as nac

    aug = nac.RandomCharAug(action="substitute", aug_char_p=args.rate, aug_word_p=pct_words, min_char=1,
                            aug_char_min=0, aug_char_max=10_000, aug_word_min=0, aug_word_max=10_000)
    random.seed(args.seed)
    np.random.seed(args.seed)
    start = time.perf_counter()
    na = []
    for t in texts:
        result = aug.augment(t)
        na.append(result[0] if isinstance(result, list) and result else (result or t))
    elapsed = time.perf_counter() - start
    rows.append(("nlpaug RandomCharAug", len(items) / elapsed, edit_ratio(texts, na)))

    width = max(len(r[0]) for r in rows)
    print(f"{'tool':<{width}}  {'items/s':>10}  {'char edit ratio':>15}")
    for name, speed, ratio in rows:
        print(f"{name:<{width}}  {speed:>10.1f}  {ratio:>15.4f}")
    for ours in rows[:2]:
        for other in rows[2:]:
            print(f"{ours[0]} / {other[0]}: {ours[1] / other[1]:.1f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
