"""fitting: transformers fitted and applied in place, in a fraction of the memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from mnist_dash import data, models
from mnist_dash.fitting import column_blocks, fit_scaler_in_blocks, transform_in_place


@pytest.fixture(scope="module")
def pixels() -> np.ndarray:
    return data.load_mnist("sample").X_train


@pytest.mark.parametrize(
    "as_float", [models.pixels_as_float32, models.pixels_as_float64]
)
def test_a_scaler_fitted_in_blocks_is_the_same_bit_for_bit(
    pixels: np.ndarray, as_float
) -> None:
    steps = [("pixels", FunctionTransformer(as_float)), ("scaler", StandardScaler())]
    features = transform_in_place(steps, pixels, fit=True)
    whole = StandardScaler()
    expected = whole.fit_transform(as_float(pixels))
    assert features.dtype == expected.dtype
    np.testing.assert_array_equal(features, expected)
    scaler = steps[1][1]
    for name in ("mean_", "var_", "scale_", "n_samples_seen_", "n_features_in_"):
        np.testing.assert_array_equal(getattr(scaler, name), getattr(whole, name))
    assert scaler.copy is True  # worked in place on the float copy, set back


@pytest.mark.parametrize("columns", [784, 65, 1])
def test_blocks_of_any_width_give_the_same_scaler(
    pixels: np.ndarray, columns: int
) -> None:
    rng = np.random.default_rng(0)
    X = (pixels[:, :columns] + rng.random((len(pixels), columns))).astype(np.float32)
    whole = StandardScaler().fit(X)
    for width in (2, 7, 64, 783, 784, 1000):
        blocks = list(column_blocks(X, width))
        assert sum(b.shape[1] for b in blocks) == columns
        assert min(b.shape[1] for b in blocks) >= min(2, columns)
        scaler = fit_scaler_in_blocks(StandardScaler(), blocks)
        for name in ("mean_", "var_", "scale_", "n_features_in_"):
            np.testing.assert_array_equal(getattr(scaler, name), getattr(whole, name))
        np.testing.assert_array_equal(scaler.transform(X[:20]), whole.transform(X[:20]))
    with pytest.raises(ValueError, match="at least 2 columns"):
        next(column_blocks(X, 1))


def test_fitting_a_scaler_needs_no_copy_the_size_of_the_data(
    pixels: np.ndarray,
) -> None:
    steps = [
        ("pixels", FunctionTransformer(models.pixels_as_float32)),
        ("scaler", StandardScaler()),
    ]
    tracemalloc.start()  # numpy reports its arrays to tracemalloc
    try:
        features = transform_in_place(steps, pixels, fit=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The float32 copy itself, plus blocks 64 columns wide; StandardScaler's own
    # fit on the whole array also made a float64 copy (twice the float32 one).
    assert peak < 1.5 * features.nbytes
