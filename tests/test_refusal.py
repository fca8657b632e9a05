"""The not-a-digit check: refuses what no one would call a digit, keeps digits.

Real digits are the sample's held-out digits redrawn on the canvas
(``_drawing``); non-digits are drawn by ``_shapes``, code the check never
learnt from. A small check (fewer digits and glyphs than the page's) keeps the
tests fast; the page's own figures are ``bench/bench_refusal.py``'s.
"""

from __future__ import annotations

import numpy as np
import pytest
from _drawing import redraw_on_canvas
from _shapes import NON_DIGIT_KINDS, non_digit

from mnist_dash import data, refusal, store
from mnist_dash.preprocess import canvas_to_mnist


@pytest.fixture(scope="module")
def sample() -> data.MnistData:
    return data.load_sample()


@pytest.fixture(scope="module")
def checker(sample: data.MnistData) -> refusal.DigitRefusal:
    return refusal.DigitRefusal(n_digits=1500, n_non_digits=6000).fit(sample.X_train)


def test_real_drawn_digits_pass_and_non_digits_are_refused(checker, sample) -> None:
    rng = np.random.default_rng(5)
    digits = np.stack(
        [canvas_to_mnist(redraw_on_canvas(x, rng=rng)) for x in sample.X_test[:150]]
    )
    kinds = np.repeat(NON_DIGIT_KINDS, 12)
    others = np.stack([canvas_to_mnist(non_digit(k, rng=rng)) for k in kinds])
    assert checker.refuses(digits).mean() <= 0.08
    refused = checker.refuses(others)
    assert refused.mean() >= 0.7
    for kind in ("dash", "blob"):  # the easy ones: always
        assert refused[kinds == kind].mean() >= 0.9, kind


def test_the_threshold_is_the_chosen_quantile_of_held_out_digits(
    checker, sample
) -> None:
    """Scored against the others (not itself nor its jittered copy), the same
    share of the digits it learnt from is refused as ``false_refusals`` says."""
    n = checker.n_digits
    scores = np.concatenate(
        [
            checker._likeness(
                checker.embedding_[s : s + 500],
                exclude=np.arange(s, min(s + 500, n)),
                twin=n,
            )
            for s in range(0, n, 500)
        ]
    )
    assert np.mean(scores < checker.threshold_) == pytest.approx(
        checker.false_refusals, abs=1.5 / n
    )


def test_likeness_is_a_share_and_an_unchanged_passthrough(checker, sample) -> None:
    X = sample.X_test[:20]
    likeness = checker.digit_likeness(X)
    assert likeness.shape == (20,) and ((likeness >= 0) & (likeness <= 1)).all()
    assert checker.transform(X) is X
    assert checker.refuses(X).dtype == bool


def test_statistics_are_kept_as_arrays_and_reused(sample) -> None:
    small = refusal.DigitRefusal(n_digits=200, n_non_digits=800, random_state=3)
    assert not small.is_stored(sample.X_train)
    first = small.fit(sample.X_train)
    assert small.is_stored(sample.X_train)
    refusal._memo.clear()  # as in a new process: read back from the cache folder
    again = refusal.DigitRefusal(n_digits=200, n_non_digits=800, random_state=3)
    again.fit(sample.X_train)
    np.testing.assert_array_equal(again.embedding_, first.embedding_)
    assert again.threshold_ == first.threshold_
    keys = [p.name for p in (store.cache_dir() / "results").glob("refusal-*.npz")]
    assert keys  # plain arrays (npz), no pickle


def test_glyphs_are_reproducible_non_empty_and_not_lone_ones_or_zeros() -> None:
    first = refusal.non_digit_glyphs(300, random_state=11)
    refusal._memo.clear()
    assert np.array_equal(first, refusal.non_digit_glyphs(300, random_state=11))
    assert first.dtype == np.uint8 and first.any(axis=1).all()
    upright = np.array([[0.5, 0.0], [0.52, 1.0]])
    ring = np.c_[np.cos(np.linspace(0, 6.2, 30)), np.sin(np.linspace(0, 6.2, 30))]
    assert refusal._like_a_digit(upright) and refusal._like_a_digit(ring)
    assert not refusal._like_a_digit(np.array([[0.0, 0.5], [1.0, 0.55]]))  # a dash


def test_bad_training_data_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="784 pixels"):
        refusal.DigitRefusal().fit(np.zeros((5, 784), np.uint8))
