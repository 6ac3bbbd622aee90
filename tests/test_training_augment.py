"""Training-time augmentation: RS-DA as released in uclanlp/Robust-XLT, and recipes as noise.

Known truths come from a tiny neighbour list written here; the released file is checked
once for its figures (skipped without the real data folder).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from xtremer_robust.errors import ConfigError, DataError
from xtremer_robust.perturb import Recipe, get_recipe
from xtremer_robust.training.augment import (
    NEIGHBOURS_FILE,
    RSDA_COPIES,
    RecipeAugmenter,
    RSDAAugmenter,
    augment_fingerprint,
    example_rng,
    load_neighbours,
    parse_augment,
    rsda_text,
)

#: A tiny list in the released format. "good" has 3 neighbours, "bad" 1, "the" none;
#: "Odd" is a capitalised key (the released file has one: "UNK"); "big" has a two-word
#: neighbour, which only the tagging path must refuse.
TINY = {
    "good": ["fine", "nice", "great"],
    "bad": ["poor"],
    "the": [],
    "Odd": ["strange"],
    "big": ["large", "very big"],
    "movie\x85": ["film\x85"],
}
N_DRAWS = 20000
#: Five binomial standard deviations at p = 1/4 and N_DRAWS draws (about 0.0031 each).
TOL = 5 * (0.25 * 0.75 / N_DRAWS) ** 0.5


@pytest.fixture()
def tiny_file(tmp_path: Path) -> Path:
    path = tmp_path / NEIGHBOURS_FILE
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(TINY), encoding="utf-8")
    return path


def _freqs(text: str, n: int = N_DRAWS, seed: int = 0) -> Counter[str]:
    rng = np.random.default_rng(seed)
    return Counter(rsda_text(text, TINY, rng) for _ in range(n))


# ---- the draw ----------------------------------------------------------------------------

def test_draw_is_uniform_over_the_word_and_its_neighbours() -> None:
    counts = _freqs("good")
    assert set(counts) == {"good", "fine", "nice", "great"}  # the word itself is a candidate
    for word in ("good", "fine", "nice", "great"):
        assert abs(counts[word] / N_DRAWS - 0.25) < TOL, (word, counts)


def test_one_neighbour_gives_half_and_half_and_words_draw_independently() -> None:
    counts = _freqs("bad good")
    first = Counter(text.split(" ")[0] for text in counts.elements())
    assert abs(first["poor"] / N_DRAWS - 0.5) < 2 * TOL
    joint = counts["poor fine"] / N_DRAWS  # independent draws: 1/2 * 1/4
    assert abs(joint - 0.125) < TOL


def test_words_not_listed_or_without_neighbours_are_untouched_and_draw_nothing() -> None:
    rng = np.random.default_rng(7)
    before = rng.bit_generator.state
    text = "the cat sat , Good good. GOOD"  # 'the' has no neighbours; the rest are not keys
    assert rsda_text(text, TINY, rng) == text
    assert rng.bit_generator.state == before  # no random number spent (perturb.py lines 27-30)


def test_lookup_is_exact_and_case_sensitive_as_released() -> None:
    """Keys are used as written: 'Good' is not 'good', and a capitalised key matches only itself."""
    assert set(_freqs("Good", n=200)) == {"Good"}
    assert set(_freqs("odd", n=200)) == {"odd"}
    assert set(_freqs("Odd", n=200)) == {"Odd", "strange"}  # replacement inserted as written


def test_tokens_are_split_on_the_space_character_only() -> None:
    rng = np.random.default_rng(0)
    outs = {rsda_text("good  the\tgood", TINY, rng) for _ in range(200)}
    assert all(o.endswith("  the\tgood") for o in outs)  # double space kept; tab stays inside a token
    assert len(outs) == 4
    assert set(_freqs("movie\x85", n=200)) == {"movie\x85", "film\x85"}  # U+0085 is no separator


def test_text_outside_the_replaced_words_is_unchanged() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        out = rsda_text(" the good , bad ", TINY, rng).split(" ")
        assert out[0] == "" and out[1] == "the" and out[3] == "," and out[-1] == ""
        assert out[2] in {"good", "fine", "nice", "great"} and out[4] in {"bad", "poor"}


# ---- copies, pairs, tokens -----------------------------------------------------------------

def test_pair_gives_k_copies_both_sentences_perturbed_independently() -> None:
    augmenter = RSDAAugmenter(TINY, copies=10)
    copies = augmenter.augment_pair("good", "bad", rng=np.random.default_rng(0))
    assert len(copies) == 10
    assert {a for a, _ in copies} <= {"good", "fine", "nice", "great"}
    assert {b for _, b in copies} <= {"bad", "poor"}
    many = RSDAAugmenter(TINY, copies=4000).augment_pair("good", "bad", rng=np.random.default_rng(1))
    share_a = sum(a != "good" for a, _ in many) / 4000
    share_b = sum(b != "bad" for _, b in many) / 4000
    assert abs(share_a - 0.75) < 0.03 and abs(share_b - 0.5) < 0.03
    both = sum(a != "good" and b != "bad" for a, b in many) / 4000
    assert abs(both - 0.375) < 0.03  # independent of each other


def test_copies_exclude_the_original_example() -> None:
    """Every row is a drawn copy (drawn in order from the one generator), never the original itself.

    An example with nothing to replace still gives exactly K rows, each equal to the text.
    """
    kept = sum(RSDAAugmenter(TINY, copies=1).augment_pair("good", "", rng=np.random.default_rng(s))[0][0] == "good"
               for s in range(2000)) / 2000
    assert abs(kept - 0.25) < 0.04  # the original would make this 1
    rng, replay = np.random.default_rng(11), np.random.default_rng(11)
    copies = RSDAAugmenter(TINY, copies=5).augment_pair("good bad", "bad good", rng=rng)
    assert copies == [(rsda_text("good bad", TINY, replay), rsda_text("bad good", TINY, replay)) for _ in range(5)]
    augmenter = RSDAAugmenter(TINY, copies=3)
    assert augmenter.augment_pair("the cat", "a dog", rng=np.random.default_rng(0)) == [("the cat", "a dog")] * 3
    assert len(augmenter.augment_tokens(["the"], rng=np.random.default_rng(0))) == 3


def test_released_copy_counts() -> None:
    assert dict(RSDA_COPIES) == {"pawsx": 10, "xnli": 3}


def test_tokens_stay_aligned_and_multiword_neighbours_are_never_drawn() -> None:
    augmenter = RSDAAugmenter(TINY, copies=2000)
    tokens = ["the", "big", "good", "movie", "."]
    copies = augmenter.augment_tokens(tokens, rng=np.random.default_rng(0))
    assert len(copies) == 2000 and all(len(c) == len(tokens) for c in copies)
    assert {c[1] for c in copies} == {"big", "large"}
    assert {c[2] for c in copies} == {"good", "fine", "nice", "great"}
    assert all(c[0] == "the" and c[3] == "movie" and c[4] == "." for c in copies)
    share_large = sum(c[1] == "large" for c in copies) / 2000
    assert abs(share_large - 0.5) < 0.04  # uniform over {big, large}, not over three
    texts = {rsda_text("big", TINY, np.random.default_rng(s)) for s in range(60)}
    assert "very big" in texts  # the text path keeps the released draw unfiltered


class _Vanish(Recipe):
    """A test recipe whose output is empty."""

    name = "test_vanish"
    level = "word"

    def perturb(self, text: str, *, lang: str, rng: np.random.Generator) -> str:
        return ""


class _Split(_Vanish):
    """A test recipe whose output is two words."""

    def perturb(self, text: str, *, lang: str, rng: np.random.Generator) -> str:
        return text[:1] + "\u00a0" + text[1:]


def test_recipe_on_tokens_keeps_tokens_that_would_vanish_or_split() -> None:
    tokens = ["hello", "wonderful", "world", ","]
    for recipe in (_Vanish(rate=1.0), _Split(rate=1.0), get_recipe("word_delete", rate=1.0),
                   get_recipe("whitespace_noise", rate=1.0)):
        augmenter = RecipeAugmenter(recipe, copies=5)
        assert augmenter.augment_tokens(tokens, rng=np.random.default_rng(0)) == [tokens] * 5, recipe
    assert RecipeAugmenter(_Split(rate=1.0), copies=1).augment_pair("ab", "", rng=np.random.default_rng(0)) == [
        ("a\u00a0b", "")]  # the text path keeps what the recipe returns
    swap = RecipeAugmenter(get_recipe("char_swap", rate=0.5), copies=20)
    copies = swap.augment_tokens(tokens, rng=np.random.default_rng(0))
    assert all(len(c) == 4 and c[3] == "," for c in copies)
    assert any(c[:3] != tokens[:3] for c in copies)
    assert all(sorted(c[i]) == sorted(tokens[i]) for c in copies for i in range(3))


def test_recipe_pair_copies_and_rate_zero_is_identity() -> None:
    noisy = RecipeAugmenter(get_recipe("char_swap", rate=0.5), copies=4)
    copies = noisy.augment_pair("a wonderful evening", "terrible weather", rng=np.random.default_rng(0))
    assert len(copies) == 4 and any(a != "a wonderful evening" for a, _ in copies)
    assert any(b != "terrible weather" for _, b in copies)
    assert noisy.augment_pair("", "", rng=np.random.default_rng(0)) == [("", "")] * 4
    clean = RecipeAugmenter(get_recipe("char_swap", rate=0.0), copies=2)
    assert clean.augment_pair("x y", "z", rng=np.random.default_rng(0)) == [("x y", "z")] * 2


# ---- determinism ---------------------------------------------------------------------------

def test_example_rng_is_a_pure_function_of_its_arguments() -> None:
    def draw(*args: object) -> list[int]:
        return example_rng(*args).integers(0, 1 << 30, 4).tolist()  # type: ignore[arg-type]

    assert draw(0, "pawsx-en-1", 0) == draw(0, "pawsx-en-1", 0)
    outs = {tuple(draw(*a)) for a in [(0, "pawsx-en-1", 0), (1, "pawsx-en-1", 0),
                                        (0, "pawsx-en-2", 0), (0, "pawsx-en-1", 1)]}
    assert len(outs) == 4
    with pytest.raises(ConfigError, match="copy"):
        example_rng(0, "x", -1)


def test_augmenters_are_deterministic_and_first_copies_do_not_depend_on_k() -> None:
    for augmenter in (RSDAAugmenter(TINY, copies=3), RecipeAugmenter(get_recipe("char_swap", rate=0.3), copies=3)):
        pair = ("good good bad wonderful", "bad good marvellous")
        one = augmenter.augment_pair(*pair, rng=example_rng(5, "id-1", 0))
        assert one == augmenter.augment_pair(*pair, rng=example_rng(5, "id-1", 0))
        assert one != augmenter.augment_pair(*pair, rng=example_rng(6, "id-1", 0))
        more = type(augmenter)(*([TINY] if augmenter.kind == "rsda" else [augmenter.recipe]), copies=10)
        assert more.augment_pair(*pair, rng=example_rng(5, "id-1", 0))[:3] == one


# ---- the neighbour file --------------------------------------------------------------------

def test_load_neighbours_keeps_keys_as_written_and_caches(tiny_file: Path) -> None:
    loaded = load_neighbours(tiny_file)
    assert dict(loaded) == {k: tuple(v) for k, v in TINY.items()}
    assert "Odd" in loaded and "odd" not in loaded
    assert loaded.sha256 == hashlib.sha256(tiny_file.read_bytes()).hexdigest()
    assert load_neighbours(tiny_file) is loaded
    tiny_file.write_text(json.dumps({"good": ["fine"], "x": []}), encoding="utf-8")
    assert dict(load_neighbours(tiny_file)) == {"good": ("fine",), "x": ()}  # a changed file is re-read


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"good": ["fine"],\n "bad": [poor]}', "line 2: neighbour list is not valid JSON"),
        ("[]", "expected a JSON object"),
        ("{}", "neighbour list is empty"),
        ('{"good": "fine"}', "entry 'good': expected a list of strings"),
        ('{"good": ["fine", 3]}', "entry 'good': expected a list of strings"),
    ],
)
def test_malformed_files_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "neighbours.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message) as info:
        load_neighbours(path)
    assert str(path) in str(info.value)


def test_missing_file_names_it_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found.*--data-dir") as info:
        load_neighbours(tmp_path / "nope.json")
    assert "nope.json" in str(info.value)


# ---- --augment values ----------------------------------------------------------------------

def test_parse_augment_values(tiny_file: Path) -> None:
    data_dir = tiny_file.parents[1]
    assert parse_augment("none", data_dir=None, default_copies=3) is None
    rsda = parse_augment("rsda", data_dir=data_dir, default_copies=3)
    assert isinstance(rsda, RSDAAugmenter) and rsda.copies == 3 and dict(rsda.neighbours)["good"] == ("fine", "nice", "great")
    assert parse_augment(" rsda:k=10 ", data_dir=data_dir, default_copies=3).copies == 10  # type: ignore[union-attr]
    recipe = parse_augment("recipe:char_swap", data_dir=None, default_copies=2)
    assert isinstance(recipe, RecipeAugmenter) and recipe.copies == 2 and recipe.recipe == get_recipe("char_swap")
    tuned = parse_augment("recipe:char_swap:rate=0.2:k=4", data_dir=None, default_copies=2)
    assert isinstance(tuned, RecipeAugmenter) and tuned.recipe.rate == 0.2 and tuned.copies == 4


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rsdaa", "Unknown augmentation 'rsdaa'. Did you mean 'rsda'?"),
        ("recipes:char_swap", "Did you mean 'recipe'?"),
        ("recipe:char_swapp", "Unknown recipe 'char_swapp'. Did you mean 'char_swap'?"),
        ("recipe:", "expected recipe:NAME"),
        ("recipe:clean", "Unknown recipe 'clean'"),
        ("recipe:char_swap:rate=1.5", r"rate must be in \[0, 1\]"),
        ("recipe:char_swap:speed=2", "unknown parameter"),
        ("rsda:k=0", "positive integer"),
        ("rsda:k=2.5", "positive integer"),
        ("rsda:k=true", "positive integer"),
        ("rsda:k", "expected key=value"),
        ("rsda:rate=0.1", "rsda accepts only k=K"),
        ("none:k=2", "takes no parameters"),
    ],
)
def test_bad_specs(tiny_file: Path, spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        parse_augment(spec, data_dir=tiny_file.parents[1], default_copies=3)
    assert f"--augment: '{spec.strip()}'" in str(info.value)


def test_rsda_without_data_folder_or_file_says_where(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--data-dir"):
        parse_augment("rsda", data_dir=None, default_copies=3)
    with pytest.raises(DataError, match="robust_xlt/counterfitted_neighbors.json.*--data-dir"):
        parse_augment("rsda", data_dir=tmp_path, default_copies=3)
    with pytest.raises(ConfigError, match="positive integer"):
        RSDAAugmenter(TINY, copies=0)


def test_fingerprints(tiny_file: Path) -> None:
    assert augment_fingerprint(None) == {"kind": "none"}
    rsda = parse_augment("rsda:k=10", data_dir=tiny_file.parents[1], default_copies=3)
    fp = augment_fingerprint(rsda)
    assert fp["kind"] == "rsda" and fp["copies"] == 10 and fp["includes_original"] is False
    assert fp["neighbours_sha256"] == hashlib.sha256(tiny_file.read_bytes()).hexdigest()
    assert fp["neighbours_file"] == "counterfitted_neighbors.json" and fp["neighbours_entries"] == len(TINY)
    from_dict = augment_fingerprint(RSDAAugmenter(TINY, copies=1))["neighbours_sha256"]
    assert from_dict == augment_fingerprint(RSDAAugmenter(dict(reversed(list(TINY.items()))), copies=1))["neighbours_sha256"]
    assert from_dict != augment_fingerprint(RSDAAugmenter({"good": ["fine"]}, copies=1))["neighbours_sha256"]
    recipe = augment_fingerprint(parse_augment("recipe:char_swap:rate=0.2", data_dir=None, default_copies=3))
    assert recipe == {"kind": "recipe", "copies": 3, "recipe": "char_swap", "params": {"rate": 0.2},
                      "lang": "en", "includes_original": False}
    json.dumps(fp), json.dumps(recipe)  # JSON-ready for checkpoint metadata


# ---- the released file ---------------------------------------------------------------------

#: Figures of the released counterfitted_neighbors.json (uclanlp/Robust-XLT commit 175cddb).
RELEASED = {"entries": 49975, "with_neighbours": 25591, "neighbours": 109104, "max": 8,
            "sha256": "103247143f39bd5dd66850f3a912393392641dbd98093c61e2b24a4cc8a96fb0"}


def test_released_neighbour_file(real_data_dir: Path) -> None:
    augmenter = parse_augment("rsda", data_dir=real_data_dir, default_copies=RSDA_COPIES["pawsx"])
    assert isinstance(augmenter, RSDAAugmenter)
    found = augmenter.neighbours
    lengths = [len(v) for v in found.values()]
    assert {"entries": len(found), "with_neighbours": sum(n > 0 for n in lengths), "neighbours": sum(lengths),
            "max": max(lengths), "sha256": found.sha256} == RELEASED
    assert [k for k in found if k != k.lower()] == ["UNK"]
    assert all(n and not any(c.isspace() for c in n) for v in found.values() for n in v)
    assert "film" in found["movie"]
    copies = augmenter.augment_pair("the movie was good", "The film was bad", rng=example_rng(0, "x", 0))
    assert len(copies) == 10 and all(b.startswith("The ") for _, b in copies)
