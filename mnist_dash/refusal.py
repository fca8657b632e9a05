"""Knowing when a drawing is not a digit: a reject option learnt from non-digits.

A classifier trained on digits answers a digit for anything: a dash is a "4" at
99 %, a scribble a "3". Its own confidence does not help (the MLP refuses 12 %
of the non-digits of ``bench/bench_refusal.py`` by its top probability), nor do
distances to the training digits alone (PCA reconstruction error or the
distance to the nearest digits refuse 15-38 % of them for 3 % of real digits):
after MNIST's normalisation a letter is as close to some digit as digits are to
each other. What separates them is knowing what non-digits look like, so
:class:`DigitRefusal` learns it, from both sides:

* **digits**, as the Draw page sees them: training digits enlarged 4x and put
  through :func:`~mnist_dash.preprocess.canvas_to_mnist`, plus a copy of each
  slightly rotated, sheared and stretched (people draw more freely than MNIST's
  writers wrote);
* **non-digits**: random glyphs (:func:`non_digit_glyphs`) made of one to four
  strokes (straight segments, often at multiples of 45 degrees, arcs and wobbly
  lines, attached to or crossing each other), filled blobs and dense scribbles.
  They are generic on purpose: no letter, dash or cross is drawn as such, so
  that the benchmark, which draws those with other code
  (``tests/_shapes.py``), measures how the method generalises.

A drawing's *digit-likeness* is the distance-weighted share of digits among
its 15 nearest neighbours in both sets, in a 40-dimensional PCA space fitted on
them. The drawing is refused below a threshold set on held-out training digits
(never on non-digits, never on the benchmark): :attr:`DigitRefusal.false_refusals`
of them (2 %) fall below it, so the rate at which real digits are refused is
set by construction. Measured on 1,000 official MNIST test digits redrawn on the
canvas and 1,000 non-digits (README, "Knowing when it does not know").

Why this and not the alternatives the issue lists: a reject class learnt from
non-digits beat distance to the training digits and PCA reconstruction error by
40 points of refusal at the same false-refusal rate, and a nearest-neighbour
vote beat a small MLP detector (same data) while fitting in no time; its
threshold is a quantile of real digits' scores, so its promise (about 2 % of
real digits refused) holds whatever the non-digits are.

The fitted statistics depend only on the training digits and the settings, so
they are computed once per data set and kept in the cache folder as plain arrays
(no pickle), like the glyphs, which depend on nothing.

Example
-------
>>> from mnist_dash.data import load_sample
>>> d = load_sample()
>>> refusal = DigitRefusal().fit(d.X_train, d.y_train)
>>> dash = np.zeros((28, 28), np.float32); dash[13:16, 4:24] = 255
>>> bool(refusal.refuses(dash.reshape(1, 784))[0])
True
>>> float(refusal.refuses(d.X_test[:200]).mean()) < 0.1
True
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA

from mnist_dash import forksafe, store
from mnist_dash.preprocess import BOX, PEN_WIDTH, WORK_SCALE, canvas_to_mnist

__all__ = ["REFUSAL_BYTES", "DigitRefusal", "as_drawn", "non_digit_glyphs"]

#: Bump when the glyph generator changes: glyphs kept from before are remade.
GLYPHS_VERSION = 2
#: Bump when the statistics :class:`DigitRefusal` keeps change.
STATE_VERSION = 1
#: About the most memory fitting a :class:`DigitRefusal` takes (measured: 87 MB).
REFUSAL_BYTES = 100 * 2**20
#: Side of the square glyphs are drawn on, with the pen canvas_to_mnist
#: normalises to, so that they need no pen normalisation (half the cost).
_GLYPH_SIDE = BOX * WORK_SCALE + int(PEN_WIDTH) + 4

_memo: dict[str, dict[str, np.ndarray]] = {}
_memo_guard = forksafe.Lock()


def _cached(key: str, compute: Any) -> dict[str, np.ndarray]:
    """Arrays computed once per key: in this process, then in the cache folder."""
    with _memo_guard:
        found = _memo.get(key)
    if found is not None:
        return found
    with store.locked(key):
        arrays = store.load_arrays(key)
        if arrays is None:
            arrays = compute()
            store.save_arrays(key, arrays, compress=True)
    with _memo_guard:
        if len(_memo) > 16:
            _memo.clear()
        _memo[key] = arrays
    return arrays


# -- the non-digits ---------------------------------------------------------------


def _stroke(rng: np.random.Generator, anchors: list[np.ndarray]) -> np.ndarray:
    """One stroke as (x, y) points in about a unit box, maybe from an anchor."""
    start = (
        anchors[int(rng.integers(len(anchors)))]
        if anchors and rng.random() < 0.7
        else rng.uniform(0.0, 1.0, 2)
    )
    kind = rng.random()
    if kind < 0.45:  # straight segments, often at multiples of 45 degrees
        points = [start]
        for _ in range(int(rng.integers(1, 4))):
            angle = (
                int(rng.integers(8)) * math.pi / 4
                if rng.random() < 0.6
                else rng.uniform(0, 2 * math.pi)
            )
            step = rng.uniform(0.25, 1.0) * np.array([math.cos(angle), math.sin(angle)])
            points.append(points[-1] + step)
        line = np.array(points)
        if rng.random() < 0.35:  # crossing the anchor rather than leaving it
            line -= (line[-1] - line[0]) / 2
        return line
    if kind < 0.75:  # an arc of an ellipse
        radii = rng.uniform(0.15, 0.5, 2)
        first = rng.uniform(0, 2 * math.pi)
        span = rng.uniform(0.5, 1.85) * math.pi * rng.choice([-1, 1])
        angles = np.linspace(first, first + span, 16)
        centre = start - radii * np.array([math.cos(first), math.sin(first)])
        return centre + radii * np.c_[np.cos(angles), np.sin(angles)]
    # a wobbly free stroke
    return start + np.cumsum(rng.normal(0.0, 0.18, (int(rng.integers(3, 10)), 2)), 0)


def _like_a_digit(stroke: np.ndarray) -> bool:
    """A lone stroke that is a 1 (straight, within 35 degrees of upright) or a
    0 (closing on itself): those are digits, not non-digits."""
    ends = stroke[-1] - stroke[0]
    length = float(np.linalg.norm(np.diff(stroke, axis=0), axis=1).sum())
    straight = np.linalg.norm(ends) > 0.97 * length
    upright = abs(ends[0]) < abs(ends[1]) * math.tan(math.radians(35))
    closed = np.linalg.norm(ends) < 0.25 * length
    return bool((straight and upright) or closed)


def _glyph(rng: np.random.Generator) -> np.ndarray:
    """One random non-digit, drawn with MNIST's normalised pen, as 784 pixels."""
    kind = rng.random()
    fill = kind < 0.1
    if fill:  # a blob: a filled polygon
        corners = int(rng.integers(4, 10))
        angles = np.sort(rng.uniform(0, 2 * math.pi, corners))
        radii = rng.uniform(0.5, 1.0, corners) / 2
        stretch = rng.uniform(0.4, 2.5)
        outline = np.c_[radii * np.cos(angles) * stretch, radii * np.sin(angles)]
        strokes = [np.r_[outline, outline[:1]]]
    elif kind < 0.2:  # one stroke, but not one that people draw as a digit
        stroke = _stroke(rng, [])
        while _like_a_digit(stroke):
            stroke = _stroke(rng, [])
        strokes = [stroke]
    else:
        count = int(rng.integers(2, 5) if kind < 0.9 else 8)
        strokes, anchors = [], []
        for _ in range(count):
            stroke = _stroke(rng, anchors)
            strokes.append(stroke)
            anchors += [stroke[0], stroke[-1], stroke[len(stroke) // 2]]
    every = np.concatenate(strokes)
    low = every.min(axis=0)
    extent = max(float((every.max(axis=0) - low).max()), 1e-3)
    scale = (_GLYPH_SIDE - PEN_WIDTH - 4) / extent
    image = Image.new("L", (_GLYPH_SIDE, _GLYPH_SIDE), 0)
    draw = ImageDraw.Draw(image)
    radius = PEN_WIDTH / 2
    for stroke in strokes:
        xy = [tuple(p) for p in (stroke - low) * scale + radius + 2]
        if fill:
            draw.polygon(xy, fill=255)
        draw.line(xy, fill=255, width=int(PEN_WIDTH))
        for x, y in xy:  # round joints and ends, as a pen makes
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    return canvas_to_mnist(np.asarray(image), normalize_pen=False)


def non_digit_glyphs(n: int, *, random_state: int = 0) -> np.ndarray:
    """``n`` random non-digits as MNIST-like uint8 images, shape ``(n, 784)``.

    Made once per machine (about 0.4 ms each) and kept in the cache folder.

    >>> glyphs = non_digit_glyphs(3)
    >>> glyphs.shape, glyphs.dtype, bool(glyphs.any(axis=1).all())
    ((3, 784), dtype('uint8'), True)
    """
    key = store.cache_key(
        "glyphs", {"version": GLYPHS_VERSION, "n": n, "seed": random_state}
    )

    def make() -> dict[str, np.ndarray]:
        rng = np.random.default_rng(random_state)
        glyphs = np.zeros((n, 784), dtype=np.uint8)
        for i in range(n):
            glyphs[i] = np.round(_glyph(rng))
        return {"glyphs": glyphs}

    return _cached(key, make)["glyphs"]


# -- the digits, as drawn -----------------------------------------------------------


def as_drawn(
    X: np.ndarray, *, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Digits as the Draw page would see them drawn, uint8 ``(n, 784)``.

    Each is enlarged 4x (bilinear, as a smooth drawing) and put through
    :func:`~mnist_dash.preprocess.canvas_to_mnist`. With ``rng``, each is first
    rotated by up to 12 degrees, sheared by up to 0.2 and stretched sideways by
    0.8-1.2, as people draw more freely than MNIST's writers wrote.
    """
    images = np.asarray(X, dtype=np.uint8).reshape(-1, 28, 28)
    out = np.zeros((len(images), 784), dtype=np.uint8)
    side = 28 * WORK_SCALE
    for i, digit in enumerate(images):
        big = Image.fromarray(digit).resize((side, side), Image.Resampling.BILINEAR)
        if rng is not None:
            stretch, shear = rng.uniform(0.8, 1.2), rng.uniform(-0.2, 0.2)
            offset = -side / 2 * (stretch + shear - 1)
            big = big.transform(
                (side, side),
                Image.Transform.AFFINE,
                (stretch, shear, offset, 0, 1, 0),
                resample=Image.Resampling.BILINEAR,
            ).rotate(rng.uniform(-12, 12), resample=Image.Resampling.BILINEAR)
        out[i] = np.round(canvas_to_mnist(np.asarray(big)))
    return out


# -- the reject option ----------------------------------------------------------------


def _digest(X: np.ndarray) -> str:
    array = np.ascontiguousarray(X)
    digest = hashlib.blake2b(array.data, digest_size=16)
    digest.update(f"{array.dtype}{array.shape}".encode())
    return digest.hexdigest()


class DigitRefusal(TransformerMixin, BaseEstimator):
    """Whether an image looks like a digit at all; passes images through unchanged.

    A pipeline step (first, on the 0-255 pixels): ``transform`` returns its input,
    so the model after it sees exactly what it would without it, and the fitted
    statistics travel with the model. See the module docstring for the method.

    Parameters
    ----------
    n_digits : int
        Training digits used, at most, drawn at random.
    n_non_digits : int
        Random glyphs the digits are told apart from.
    n_neighbors : int
        Neighbours that vote.
    n_components : int
        Dimensions of the PCA space the neighbours are found in.
    false_refusals : float
        Share of held-out training digits refused: sets the threshold.
    random_state : int
        Seed of every random choice.

    Attributes
    ----------
    threshold_ : float
        Digit-likeness below which an image is refused.
    """

    def __init__(
        self,
        *,
        n_digits: int = 3000,
        n_non_digits: int = 16000,
        n_neighbors: int = 15,
        n_components: int = 40,
        false_refusals: float = 0.02,
        random_state: int = 42,
    ) -> None:
        self.n_digits = n_digits
        self.n_non_digits = n_non_digits
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.false_refusals = false_refusals
        self.random_state = random_state

    def _key(self, X: np.ndarray) -> str:
        return store.cache_key(
            "refusal",
            {"data": _digest(X), "params": self.get_params(), "v": STATE_VERSION},
        )

    def is_stored(self, X: Any) -> bool:
        """Whether fitting on ``X`` would only read what an earlier fit kept."""
        return store.has_arrays(self._key(np.asarray(X)))

    def fit(self, X: Any, y: Any = None) -> DigitRefusal:
        """Learn what digits and non-digits look like from the digits ``X``.

        ``y`` is not used (digits of every class are digits).
        """
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != 784 or len(X) < 10:
            raise ValueError(f"need at least 10 images of 784 pixels, got {X.shape}")
        state = _cached(self._key(X), lambda: self._statistics(X))
        self.mean_ = state["mean"]
        self.components_ = state["components"]
        self.embedding_ = state["embedding"]
        self.is_digit_ = state["is_digit"]
        self.threshold_ = float(state["threshold"])
        self.n_features_in_ = 784
        return self

    def _statistics(self, X: np.ndarray) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(self.random_state)
        chosen = X[rng.permutation(len(X))[: self.n_digits]]
        digits = np.concatenate([as_drawn(chosen), as_drawn(chosen, rng=rng)])
        glyphs = non_digit_glyphs(self.n_non_digits, random_state=self.random_state)
        both = np.concatenate([digits, glyphs]).astype(np.float32) / 255
        # The PCA space is learnt from a random 8,000 of them: as good, and a
        # third of the memory and time of all 22,000.
        sample = both[rng.permutation(len(both))[:8000]]
        pca = PCA(self.n_components, random_state=self.random_state).fit(sample)
        self.mean_ = pca.mean_.astype(np.float32)
        self.components_ = pca.components_.astype(np.float32)
        self.embedding_ = self._embed(both)
        self.is_digit_ = np.r_[np.ones(len(digits), bool), np.zeros(len(glyphs), bool)]
        # Each digit is scored against all the others (not itself, nor its
        # jittered copy): as many held-out scores as digits, for a steady quantile.
        n = len(chosen)
        scores = np.concatenate(
            [
                self._likeness(
                    self.embedding_[start : start + 500],
                    exclude=np.arange(start, min(start + 500, n)),
                    twin=n,
                )
                for start in range(0, n, 500)
            ]
        )
        return {
            "mean": self.mean_,
            "components": self.components_,
            "embedding": self.embedding_,
            "is_digit": self.is_digit_,
            "threshold": np.float64(np.quantile(scores, self.false_refusals)),
        }

    def _embed(self, unit: np.ndarray) -> np.ndarray:
        return ((unit - self.mean_) @ self.components_.T).astype(np.float32)

    def _likeness(
        self, query: np.ndarray, *, exclude: np.ndarray | None = None, twin: int = 0
    ) -> np.ndarray:
        """Digit-likeness of embedded images; row ``i`` may leave out reference
        images ``exclude[i]`` and ``exclude[i] + twin``."""
        reference = self.embedding_
        # Squared distances to every reference image at once: brute force in 40
        # dimensions takes a fraction of a millisecond per drawing. (reference @
        # query.T runs as BLAS's matrix-vector product: ten times faster than
        # query @ reference.T for one drawing.)
        squared = (
            (query**2).sum(1)[:, None]
            - 2 * (reference @ query.T).T
            + (reference**2).sum(1)[None, :]
        )
        if exclude is not None:
            rows = np.arange(len(exclude))
            squared[rows, exclude] = np.inf
            squared[rows, exclude + twin] = np.inf
        k = min(self.n_neighbors, len(reference) - 2)
        nearest = np.argpartition(squared, k - 1, axis=1)[:, :k]
        distances = np.sqrt(np.maximum(np.take_along_axis(squared, nearest, 1), 0))
        weights = 1.0 / (distances + 1e-3)
        return (weights * self.is_digit_[nearest]).sum(1) / weights.sum(1)

    def transform(self, X: Any) -> Any:
        """``X`` itself: this step only watches."""
        return X

    def digit_likeness(self, X: Any) -> np.ndarray:
        """How much each image looks like a digit, 0 (not at all) to 1.

        The distance-weighted share of digits among its nearest neighbours.
        ``X`` holds 0-255 pixels, shape ``(n, 784)``.
        """
        unit = np.asarray(X, dtype=np.float32).reshape(-1, 784) / 255
        return self._likeness(self._embed(unit))

    def refuses(self, X: Any) -> np.ndarray:
        """Whether each image (0-255 pixels, ``(n, 784)``) is refused as no digit."""
        return self.digit_likeness(X) < self.threshold_
