"""The model registry and :func:`train_model`.

Each model is a scikit-learn :class:`~sklearn.pipeline.Pipeline` whose first step
turns uint8 pixels into floats, so callers pass pixels as stored and memory stays
small between fits. The Draw page's model (:data:`DRAW_MODEL`) has a
:class:`~mnist_dash.refusal.DigitRefusal` step before that one: it passes the
pixels through and carries what the model needs to refuse a drawing that looks
like no digit (:func:`mnist_dash.reading.read_drawing`). The book's models
(``"sgd"``, ``"sgd_scaled"``, ``"random_forest"``) are the book's own calls on
the book's own input (float64 pixels for SGD) and give its figures; the others
are named for what they are (``"sgd_averaged"`` is a fast variant, never a
stand-in). Fitting reports progress (see :mod:`mnist_dash.fitting`), and fitted
models are kept in the cache folder (see :mod:`mnist_dash.store`), so a restart
or a second session does not train again.

Example
-------
>>> from mnist_dash.data import load_mnist
>>> data = load_mnist("sample")
>>> model = train_model("knn", data.X_train, data.y_train, cache=False)
>>> float((model.predict(data.X_test) == data.y_test).mean()) > 0.85
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from mnist_dash import forksafe, store
from mnist_dash.data import shifted_copies
from mnist_dash.fitting import FitStyle, Progress, fit_with_progress
from mnist_dash.neighbours import (
    BLOCK_BYTES,
    DISTANCE_BYTES,
    PixelKNeighborsClassifier,
)
from mnist_dash.refusal import REFUSAL_BYTES, DigitRefusal

__all__ = [
    "MODELS",
    "ModelSpec",
    "DEFAULT_MODEL",
    "DRAW_MODEL",
    "build_model",
    "describe",
    "train_model",
    "model_key",
    "data_digest",
    "model_file",
    "is_stored",
    "fit_with_progress",
    "fit_spec",
    "fit_memory",
    "score_memory",
    "scores_for",
    "accuracy",
    "targets_for",
]


def pixels_as_float64(X: Any) -> np.ndarray:
    """Raw pixel values 0-255 as float64: exactly the book's input.

    The book's ``fetch_openml(..., as_frame=False)`` gives float64 pixels, and
    ``SGDClassifier`` computes in the dtype it is given, so the book's figures
    are only reproduced on float64 (on float32 its scores differ).
    """
    return np.asarray(X, dtype=np.float64)


def pixels_as_float32(X: Any) -> np.ndarray:
    """Raw pixel values 0-255 as float32: the book's input, at half the memory."""
    return np.asarray(X, dtype=np.float32)


def pixels_to_unit(X: Any) -> np.ndarray:
    """Pixel values scaled to 0-1, as float32."""
    return np.asarray(X, dtype=np.float32) / np.float32(255.0)


@dataclass(frozen=True)
class ModelSpec:
    """One entry of the registry.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"sgd"``.
    label : str
        Short name for people, the same on every page.
    description : str
        One or two plain sentences: what it is and why these settings.
    call : str
        The scikit-learn call it is, as a page may quote it.
    build : callable
        ``build(random_state) -> Pipeline``, unfitted.
    fit_style : {"epochs", "trees", "once"}
        How :func:`mnist_dash.fitting.fit_with_progress` trains it.
    epochs : int
        Passes over the data for ``fit_style="epochs"``.
    augment : bool
        Train on the digits plus their one-pixel shifts (the book's exercise 2).
    book : bool
        It is the book's own model, trained by the book's own call.
    stored : bool
        :func:`train_model` keeps it in the cache folder (see :attr:`persisted`).
    prefit_steps : int
        How many of the pipeline's first steps the book fits on the whole
        training set before cross-validating the rest: its ``X_train_scaled =
        scaler.fit_transform(X_train.astype("float64"))`` comes before
        ``cross_val_score(sgd_clf, X_train_scaled, ...)``. Cross-validation
        does the same, to give the book's numbers.
    bytes_per_row : int
        Peak memory a fit needs per training digit, beyond the uint8 pixels:
        the working copy of the pixels and what the model keeps.
    fixed_bytes : int
        Peak memory a fit needs whatever the number of digits.
    """

    name: str
    label: str
    description: str
    call: str
    build: Callable[[int], Pipeline]
    fit_style: FitStyle
    epochs: int = 0
    augment: bool = False
    book: bool = False
    stored: bool = True
    prefit_steps: int = 0
    bytes_per_row: int = 784 * 4
    fixed_bytes: int = 0

    @property
    def persisted(self) -> bool:
        """Whether :func:`train_model` keeps this model in the cache folder.

        Not KNN: its fit only keeps the training digits (the dataset's own
        array; ``knn_shifted`` makes 300,000 shifted uint8 copies, 235 MB), so
        fitting again takes about as long as loading a copy would.
        """
        return self.stored

    @property
    def fit_is_light(self) -> bool:
        """Whether fitting only keeps the training digits as they are (the
        plain KNN): quick, light work done where it is asked for, never a
        training that waits for room."""
        return not self.persisted and not self.augment


def _pixels(transform: Callable[[Any], np.ndarray]) -> tuple[str, Any]:
    return ("pixels", FunctionTransformer(transform))


def _sgd(random_state: int) -> Pipeline:
    return Pipeline(
        [_pixels(pixels_as_float64), ("sgd", SGDClassifier(random_state=random_state))]
    )


def _sgd_scaled(random_state: int) -> Pipeline:
    return Pipeline(
        [
            _pixels(pixels_as_float64),
            ("scaler", StandardScaler()),
            ("sgd", SGDClassifier(random_state=random_state)),
        ]
    )


def _averaged_sgd(random_state: int) -> SGDClassifier:
    return SGDClassifier(random_state=random_state, n_jobs=2, average=True)


def _sgd_averaged(random_state: int) -> Pipeline:
    return Pipeline([_pixels(pixels_as_float32), ("sgd", _averaged_sgd(random_state))])


def _sgd_averaged_scaled(random_state: int) -> Pipeline:
    return Pipeline(
        [
            _pixels(pixels_as_float32),
            ("scaler", StandardScaler()),
            ("sgd", _averaged_sgd(random_state)),
        ]
    )


def _random_forest(random_state: int) -> Pipeline:
    return Pipeline(
        [
            _pixels(pixels_as_float32),
            (
                "forest",
                RandomForestClassifier(
                    n_estimators=100, n_jobs=-1, random_state=random_state
                ),
            ),
        ]
    )


def _knn(random_state: int) -> Pipeline:
    del random_state  # KNN has no randomness.
    # The digits stay uint8, by reference: no float copy (188 MB at full scale).
    return Pipeline(
        [("knn", PixelKNeighborsClassifier(n_neighbors=4, weights="distance"))]
    )


def _mlp(random_state: int) -> Pipeline:
    return Pipeline(
        [
            # Reads nothing and changes nothing: learns what is not a digit, so
            # that the model refuses to read it (see mnist_dash.refusal).
            ("refusal", DigitRefusal(random_state=random_state)),
            _pixels(pixels_to_unit),
            (
                "mlp",
                MLPClassifier(
                    hidden_layer_sizes=(256, 128),
                    alpha=1e-4,
                    batch_size=128,
                    learning_rate_init=1e-3,
                    random_state=random_state,
                ),
            ),
        ]
    )


_BOOK_SGD = "SGDClassifier(random_state=42)"

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "sgd",
            "SGD (the book's)",
            "The book's linear classifier, trained exactly as in the book: "
            "stochastic gradient descent on the raw pixels, epoch after epoch "
            "until the loss stops improving (at most 1,000 epochs).",
            _BOOK_SGD,
            _sgd,
            "once",
            book=True,
            bytes_per_row=784 * 8,
        ),
        ModelSpec(
            "sgd_scaled",
            "SGD, standardised (the book's)",
            "The book's SGD after StandardScaler has given every pixel a mean of "
            "0 and a variance of 1, as in the book's multiclass section.",
            f"StandardScaler, then {_BOOK_SGD}",
            _sgd_scaled,
            "once",
            book=True,
            prefit_steps=2,
            bytes_per_row=784 * 8,
        ),
        ModelSpec(
            "sgd_averaged",
            "SGD, averaged (fast)",
            "Our faster variant of the book's SGD: the same linear classifier, "
            "but it averages its weights over the updates and stops after 5 "
            "passes over the digits, on float32 pixels. Not the book's call.",
            "SGDClassifier(random_state=42, average=True), 5 epochs of partial_fit",
            _sgd_averaged,
            "epochs",
            epochs=5,
        ),
        ModelSpec(
            "sgd_averaged_scaled",
            "SGD, averaged, standardised (fast)",
            "The fast averaged SGD on standardised pixels: the quick stand-in "
            "for the book's standardised SGD. Not the book's call.",
            "StandardScaler, then SGDClassifier(random_state=42, average=True), "
            "5 epochs of partial_fit",
            _sgd_averaged_scaled,
            "epochs",
            epochs=5,
            bytes_per_row=784 * 8,
        ),
        ModelSpec(
            "random_forest",
            "Random forest (the book's)",
            "The book's random forest: 100 decision trees that vote. Grown on "
            "every core, ten trees at a time, which gives the same forest as one "
            "fit.",
            "RandomForestClassifier(random_state=42)",
            _random_forest,
            "trees",
            book=True,
            # float32 pixels, and the trees: about 270 MB for ten digits on
            # 60,000 (fewer for a binary detector, counted the same).
            bytes_per_row=784 * 4 + 4500,
        ),
        ModelSpec(
            "knn",
            "k-nearest neighbours",
            "Labels a digit by the vote of the 4 training digits closest to it, "
            "nearer ones counting more: the best settings of the book's "
            "exercise 1.",
            "KNeighborsClassifier(n_neighbors=4, weights='distance')",
            _knn,
            "once",
            stored=False,
            # The digits are the dataset's own; their squared norms are new.
            bytes_per_row=8,
        ),
        ModelSpec(
            "knn_shifted",
            "k-nearest neighbours, shifted digits",
            "The book's exercise 2: the same nearest-neighbour vote, over every "
            "training digit and its copies shifted one pixel left, right, up "
            "and down (five times the digits).",
            "KNeighborsClassifier(n_neighbors=4, weights='distance') on "
            "shifted copies",
            _knn,
            "once",
            augment=True,
            stored=False,
            # The shifted copies, uint8, and their squared norms.
            bytes_per_row=784 + 8,
        ),
        ModelSpec(
            "mlp",
            "Neural network (MLP)",
            "A small neural network (two hidden layers of 256 and 128 units, 15 "
            "passes over the digits): the strongest reader of drawings here, and "
            "it refuses drawings that look like no digit. Not in the book's "
            "chapter 3.",
            "MLPClassifier(hidden_layer_sizes=(256, 128)), 15 epochs, after a "
            "DigitRefusal step",
            _mlp,
            "epochs",
            epochs=15,
            # The refusal step's digits as drawn, glyphs and PCA (float32).
            fixed_bytes=REFUSAL_BYTES,
        ),
    )
}

#: The model the book starts with.
DEFAULT_MODEL = "sgd"
#: The Draw page's default: the model that reads drawings best.
DRAW_MODEL = "mlp"


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)


def _spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(
            f"Unknown model {name!r}; choose one of {', '.join(MODELS)}"
        ) from None


def describe(name: str, *, target_digit: int | None = None) -> str:
    """A model's name for people, with the question it answers if it is binary.

    >>> describe("sgd", target_digit=5)
    "SGD (the book's), is it a 5?"
    """
    label = _spec(name).label
    return label if target_digit is None else f"{label}, is it a {target_digit}?"


def build_model(name: str, *, random_state: int = 42) -> Pipeline:
    """An unfitted pipeline for the registry entry ``name``."""
    return _spec(name).build(random_state)


def targets_for(y: np.ndarray, target_digit: int | None) -> np.ndarray:
    """Digit labels, or booleans "is it a ``target_digit``?" for a binary detector."""
    y = np.asarray(y)
    if target_digit is None:
        return y
    if not 0 <= int(target_digit) <= 9:
        raise ValueError(f"target_digit must be 0-9, got {target_digit}")
    return y == int(target_digit)


def fit_spec(
    spec: ModelSpec,
    X: np.ndarray,
    y: np.ndarray,
    *,
    random_state: int = 42,
    progress: Progress | None = None,
    label: str | None = None,
    scratch: bool = False,
) -> Pipeline:
    """Build the registry model ``spec`` and fit it, augmenting the data if it asks.

    ``scratch``: ``X`` is a working copy the fit may change in place.
    """
    if spec.augment:
        _report(progress, 0.0, "Adding one-pixel shifts of every digit")
        X, y = shifted_copies(X, y)
    return fit_with_progress(
        spec.build(random_state),
        X,
        y,
        fit_style=spec.fit_style,
        epochs=spec.epochs,
        progress=progress,
        label=label or spec.label,
        scratch=scratch,
    )


def fit_memory(name: str, n_rows: int) -> int:
    """About how many bytes fitting ``name`` on ``n_rows`` digits needs at its peak.

    For the scheduler that keeps concurrent fits within a memory budget.

    >>> fit_memory("sgd", 60000) // 2**20  # the float64 copy of 60,000 digits
    358
    """
    spec = _spec(name)
    rows = n_rows * (5 if spec.augment else 1)
    return rows * spec.bytes_per_row + spec.fixed_bytes


def score_memory(name: str, n_rows: int) -> int:
    """About how many bytes scoring ``n_rows`` digits with ``name`` needs at its
    peak: a float64 copy of them (the most a pipeline makes of the pixels) and,
    for the KNNs, their blocks of training rows and distances.

    >>> score_memory("knn", 10_000) // 2**20  # the test digits, and the blocks
    107
    """
    blocks = BLOCK_BYTES + 2 * DISTANCE_BYTES
    return n_rows * 784 * 8 + (blocks if _spec(name).name.startswith("knn") else 0)


_digests: dict[tuple[int, int], tuple[Any, Any, str]] = {}
_digests_guard = forksafe.Lock()


def data_digest(X: np.ndarray, y: np.ndarray) -> str:
    """A hash of the training data, remembered for read-only arrays.

    Hashing full MNIST's 47 MB takes about 0.06 s; pages ask for many keys of the
    same dataset, whose arrays are read-only (:class:`~mnist_dash.data.MnistData`)
    and so cannot change under a remembered hash.
    """
    frozen = all(isinstance(a, np.ndarray) and not a.flags.writeable for a in (X, y))
    memo_key = (id(X), id(y))
    if frozen:
        with _digests_guard:
            found = _digests.get(memo_key)
        if found is not None and found[0] is X and found[1] is y:
            return found[2]
    digest = hashlib.blake2b(digest_size=16)
    for array in (X, y):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(array.data)
    text = digest.hexdigest()
    if frozen:
        with _digests_guard:
            if len(_digests) > 64:
                _digests.clear()
            _digests[memo_key] = (X, y, text)
    return text


def _stable_text(value: Any) -> str:
    """A parameter as text that is the same in every process.

    ``repr`` of a function holds its memory address, which changes from one run
    to the next, so a key made with it would never find a model saved by an
    earlier run.
    """
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)


def model_key(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    target_digit: int | None = None,
    random_state: int = 42,
) -> str:
    """The cache key of a model: data, name, parameters, target digit, versions."""
    spec = _spec(name)
    params = spec.build(random_state).get_params(deep=True)
    return store.cache_key(
        "model",
        {
            "data": data_digest(X, y),
            "name": name,
            "epochs": spec.epochs,
            "fit_style": spec.fit_style,
            "augment": spec.augment,
            "params": {k: _stable_text(v) for k, v in params.items() if "__" in k},
            "target_digit": target_digit,
            "random_state": random_state,
        },
    )


def model_file(name: str, X: np.ndarray, y: np.ndarray, **kwargs: Any) -> Path | None:
    """Where :func:`train_model` stores this model; None when it is not stored.

    See :attr:`ModelSpec.persisted`.
    """
    if not _spec(name).persisted:
        return None
    return store.model_path(model_key(name, X, y, **kwargs))


def is_stored(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    target_digit: int | None = None,
    random_state: int = 42,
) -> bool:
    """Whether :func:`train_model` would read this model rather than fit it."""
    if not _spec(name).persisted:
        return False
    key = model_key(name, X, y, target_digit=target_digit, random_state=random_state)
    return store.has_model(key)


def _check_classes(targets: np.ndarray, target_digit: int | None) -> None:
    """Refuse, with a clear message, what scikit-learn would refuse with a traceback."""
    classes = np.unique(targets)
    if len(classes) == 0:
        raise ValueError("cannot train a classifier on an empty training set")
    if len(classes) == 1:
        one = (
            classes[0]
            if target_digit is None
            else f"{'' if classes[0] else 'not '}a {target_digit}"
        )
        raise ValueError(
            f"cannot train a classifier on {len(targets):,} digits that are all of "
            f"one class ({one}): it needs at least two classes"
        )


def train_model(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    target_digit: int | None = None,
    progress: Progress | None = None,
    random_state: int = 42,
    cache: bool = True,
) -> BaseEstimator:
    """Train the registry model ``name`` on pixels ``X`` and labels ``y``.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS`: ``"sgd"``, ``"sgd_scaled"``, ``"random_forest"``,
        ``"knn"`` or ``"mlp"``.
    X : ndarray, shape (n, 784)
        Pixels 0-255 (uint8 keeps memory small; any numeric dtype works).
    y : ndarray, shape (n,)
        Digit labels.
    target_digit : int, optional
        Train the book's binary detector "is it a ``target_digit``?" instead.
    progress : callable, optional
        ``progress(fraction, message)``, called as training advances.
    random_state : int
        Seed of every random choice.
    cache : bool
        Reuse a model stored in the cache folder by an earlier run and store the
        new one (models whose fit is only a copy of the data, KNN, are not
        stored). Two callers asking for the same model at once train it once.

    Returns
    -------
    Pipeline
        The fitted model; ``predict`` takes pixels as ``X`` did.

    Raises
    ------
    ValueError
        For an unknown model, a target digit outside 0-9, or a training set
        with fewer than two classes.
    """
    spec = _spec(name)
    targets = targets_for(y, target_digit)
    _check_classes(targets, target_digit)
    label = describe(name, target_digit=target_digit)
    if not (cache and spec.persisted):
        return fit_spec(
            spec,
            X,
            targets,
            random_state=random_state,
            progress=progress,
            label=label,
        )
    key = model_key(name, X, y, target_digit=target_digit, random_state=random_state)
    with store.locked(key):
        model = store.load_model(key, expected_type=Pipeline)
        if model is not None:
            _report(progress, 1.0, f"{label} loaded from the cache folder")
            return model
        model = fit_spec(
            spec,
            X,
            targets,
            random_state=random_state,
            progress=progress,
            label=label,
        )
        store.save_model(key, model)
        return model


def accuracy(
    model: BaseEstimator,
    X: np.ndarray,
    y: np.ndarray,
    *,
    target_digit: int | None = None,
) -> float:
    """Share of ``X`` that ``model`` labels right (binary when ``target_digit``)."""
    return float(np.mean(model.predict(X) == targets_for(y, target_digit)))


def scores_for(model: BaseEstimator, X: np.ndarray) -> tuple[np.ndarray, str]:
    """Class probabilities when the model has them, else decision scores.

    Returns the array and ``"probability"`` or ``"decision"``.
    """
    if hasattr(model, "predict_proba"):
        try:
            return model.predict_proba(X), "probability"
        except AttributeError:  # e.g. SGD with hinge loss has no probabilities
            pass
    return model.decision_function(X), "decision"
