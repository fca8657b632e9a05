"""The chapter's last sections' computations, each described for the scheduler.

A :class:`Task` says what is computed and on which data (its key), what to
call it, the function that computes it, and what it costs: whether it is heavy
work (fitting, cross-validating, searching every training digit), the memory it
needs at its peak, and whether its result is in the cache folder already (then
it is only read). :func:`mnist_dash.ui.run` runs a task once per server, with
progress; this module knows nothing of Streamlit, so the recipes are tested
on their own.

Example
-------
>>> from mnist_dash.data import load_mnist
>>> task = multilabel(load_mnist("sample"))
>>> task.key, task.heavy
(('multilabel', 'sample-1000-42'), True)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mnist_dash import calibration as calibration_module
from mnist_dash import denoising, evaluation
from mnist_dash import multilabel as multilabel_module
from mnist_dash.charts import (
    DenoisingErrors,
    compute_denoising_errors,
    compute_fold_spread,
)
from mnist_dash.data import MnistData
from mnist_dash.jobs import Job
from mnist_dash.models import describe, fit_memory
from mnist_dash.neighbours import PixelNeighbours

__all__ = [
    "Task",
    "calibration",
    "chain",
    "cleaned",
    "denoiser",
    "denoising_errors",
    "fold_spread",
    "multilabel",
    "neighbours",
]


@dataclass(frozen=True)
class Task:
    """One computation for the scheduler.

    Attributes
    ----------
    key : tuple
        What it computes, on which data (``MnistData.key``): one job per key.
    title : str
        What it is, for people.
    compute : callable
        ``compute(job)``; the job is the progress callback, and its
        ``checkpoint`` lets shorter work go first between two folds.
    heavy : bool
        Fitting or searching (admitted by the scheduler), or quick work.
    memory : int
        Estimated peak bytes.
    stored : bool
        The result is in the cache folder: reading it is quick, light work.
    """

    key: tuple[Hashable, ...]
    title: str
    compute: Callable[[Job], Any]
    heavy: bool = True
    memory: int = 0
    stored: bool = False


def calibration(dataset: MnistData, target_digit: int) -> Task:
    """The book's SGD calibrated out of fold (sigmoid and isotonic)."""
    X, y = dataset.X_train, dataset.y_train
    return Task(
        key=("calibration", dataset.key, target_digit),
        title=f"Calibrating {describe('sgd', target_digit=target_digit)}",
        compute=lambda job: calibration_module.cross_validate_calibrated_sgd(
            X, y, target_digit=target_digit, progress=job, between_folds=job.checkpoint
        ),
        # One inner fold's float64 copy (4/9 of the digits), and a block of tests.
        memory=fit_memory("sgd", len(y) * 4 // 9) + 64 * 2**20,
        stored=calibration_module.is_cached(X, y, target_digit=target_digit),
    )


def fold_spread(
    dataset: MnistData,
    result: evaluation.CrossValResult,
    *,
    target_digit: int,
    prevalence: float | None,
) -> Task:
    """Each fold's metrics of the "is it a d?" detector whose out-of-fold
    results are ``result``: 70 ms at 60,000 digits, kept for the slider."""
    return Task(
        key=("fold_spread", dataset.key, target_digit, prevalence),
        title="Scoring each fold",
        compute=lambda job: compute_fold_spread(
            result.y_true,
            result.scores,
            evaluation.fold_ids(dataset.y_train, target_digit=target_digit),
            prevalence=prevalence,
        ),
        heavy=False,
    )


def multilabel(dataset: MnistData) -> Task:
    """The book's ``cross_val_predict`` of a KNN on two labels (cv=3)."""
    X, y = dataset.X_train, dataset.y_train
    return Task(
        key=("multilabel", dataset.key),
        title="Cross-validating KNN on two labels",
        compute=lambda job: multilabel_module.cross_val_predict_knn(
            X, y, progress=job, between_folds=job.checkpoint
        ),
        # The fold's float32 copy, and scikit-learn's distance blocks.
        memory=fit_memory("knn", len(y) * 2 // 3) + 32 * 2**20,
        stored=multilabel_module.is_cached(X, y),
    )


def chain(dataset: MnistData) -> Task:
    """The book's classifier chain of two SVCs, on the first 2,000 digits."""
    return Task(
        key=("chain", dataset.key),
        title="Fitting the classifier chain",
        compute=lambda job: multilabel_module.fit_book_chain(
            dataset.X_train, dataset.y_train, progress=job
        ),
        memory=multilabel_module.CHAIN_DIGITS * 784 * 8 * 3,
    )


def neighbours(dataset: MnistData) -> Task:
    """The training digits indexed for nearest-neighbour search (no copy)."""
    return Task(
        key=("neighbours", dataset.key),
        title="Indexing the training digits",
        compute=lambda job: PixelNeighbours(dataset.X_train),
        heavy=False,
    )


def denoiser(dataset: MnistData) -> Task:
    """The book's noise-cleaning KNN: its noise drawn, its digits indexed."""
    return Task(
        key=("denoiser", dataset.key),
        title="Adding the book's noise to every training digit",
        compute=lambda job: denoising.make_denoiser(
            dataset.X_train, n_test=len(dataset.y_test)
        ),
        heavy=False,
    )


def cleaned(
    dataset: MnistData,
    model: denoising.Denoiser,
    *,
    name: str,
    digit: np.ndarray,
    noise: np.ndarray,
) -> Task:
    """One digit, named ``name``, noisy and cleaned at every level of the page."""
    return Task(
        key=("cleaned", dataset.key, name),
        title="Cleaning the digit at every noise level",
        compute=lambda job: denoising.clean_at_levels(model, digit, noise),
        memory=len(denoising.LEVELS) * 784 * 8 * 4,
    )


def denoising_errors(dataset: MnistData, model: denoising.Denoiser) -> Task:
    """The pixel error of the first test digits, noisy and cleaned, at each level
    of the error curve (:func:`mnist_dash.charts.compute_denoising_errors`)."""

    def compute(job: Job) -> DenoisingErrors:
        cleaned = denoising.cleaned_test_digits(
            model, dataset.X_train, dataset.X_test, progress=job
        )
        return compute_denoising_errors(
            dataset.X_test[: cleaned.shape[1]],
            denoising.noisy_test_digits(model, dataset.X_test),
            cleaned,
            levels=denoising.ERROR_LEVELS,
            trained_level=denoising.BOOK_LEVEL,
            model="knn",
        )

    return Task(
        key=("denoising_errors", dataset.key),
        title=f"Cleaning {denoising.ERROR_DIGITS} test digits at every noise level",
        compute=compute,
        memory=80 * 2**20,
    )
