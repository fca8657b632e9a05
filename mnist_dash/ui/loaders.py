"""The data, the models and their results for a page, computed once with progress.

Every ``get_*`` waits with a progress bar by default. With ``wait=False`` (or a
number of seconds) it returns None instead of waiting (longer), leaving the work
running (see :mod:`mnist_dash.ui.work`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from mnist_dash import (
    charts,
    evaluation,
    jobs,
    models,
    reading,
    refusal,
    tasks,
)
from mnist_dash import data as data_module
from mnist_dash.ui.session import DEFAULTS, SOURCE_LABELS, data_source, init_session
from mnist_dash.ui.work import Wait, _memoised, _scheduler, is_ready, shared


def offered_models(source: str | None = None) -> tuple[list[str], list[str]]:
    """The registry names that fit this server's memory budget on ``source``'s
    training set, and those that do not (``knn_shifted`` on full MNIST keeps
    300,000 float32 digits: 0.9 GB)."""
    rows = len(get_data(source).y_train)
    fits = [n for n in models.MODELS if fits_in_memory(n, rows)]
    return fits, [n for n in models.MODELS if n not in fits]


def fits_in_memory(name: str, rows: int) -> bool:
    """Whether fitting ``name`` on ``rows`` digits fits the memory budget, and
    the box's memory limit beside the app as it is now, if there is one.

    A fit that only keeps the digits (the plain KNN's) is light work, never
    refused for the limit (see :func:`get_model`): it is always offered.
    """
    need = models.fit_memory(name, rows)
    return need <= _scheduler.memory_budget and (
        models.MODELS[name].fit_is_light or _scheduler.fits_on_box(need)
    )


def model_picker(key: str, *, shared: str) -> str:
    """A "Model" selectbox over the registry, remembered in ``shared``.

    Like :func:`digit_picker`: the widget (``key``) is seeded from the session's
    ``shared`` choice, which outlives the widget when its page is not shown.
    Returns the chosen registry name.
    """
    init_session()
    offered, too_big = offered_models()
    if st.session_state[shared] not in offered:
        # Say, full MNIST chosen after a model that only fits on the sample.
        fallback = DEFAULTS[shared]
        st.session_state[shared] = fallback if fallback in offered else offered[0]
    st.session_state[key] = st.session_state[shared]

    def remember() -> None:
        st.session_state[shared] = st.session_state[key]

    note = (
        ""
        if not too_big
        else "Not offered on this data: "
        + ", ".join(models.MODELS[name].label for name in too_big)
        + " (it would not fit in this server's memory budget)."
    )
    st.selectbox(
        "Model",
        offered,
        format_func=lambda name: models.MODELS[name].label,
        key=key,
        on_change=remember,
        help=note or None,
    )
    return st.session_state[shared]


def get_data(source: str | None = None) -> data_module.MnistData:
    """The dataset for ``source`` (default: this session's choice), loaded once.

    Raises :class:`mnist_dash.data.DataSourceError` when it cannot be loaded.
    """
    source = source or data_source()

    def load(job: jobs.Job) -> data_module.MnistData:
        return data_module.load_mnist(source, progress=job)

    title = f"Loading {SOURCE_LABELS.get(source, source)}"
    dataset = _memoised(("data", source), load, title=title)
    assert dataset is not None
    return dataset


def get_model(
    name: str,
    *,
    source: str | None = None,
    target_digit: int | None = None,
    wait: Wait = True,
    priority: int = jobs.INTERACTIVE,
) -> Any:
    """The model ``name`` trained on ``source``'s training set, with a progress bar.

    Trained at most once per server (and stored for the next start); a stored
    model is read without queueing behind anyone's training. None when ``wait``
    runs out first.
    """
    source = source or data_source()
    dataset = get_data(source)
    X, y = dataset.X_train, dataset.y_train
    key = ("model", source, name, target_digit)
    stored = _scheduler.get(key) is None and models.is_stored(
        name, X, y, target_digit=target_digit
    )

    def train(job: jobs.Job) -> Any:
        return models.train_model(name, X, y, target_digit=target_digit, progress=job)

    spec = models.MODELS[name]
    # A KNN's fit only keeps the digits (knn_shifted shifts them first): done in
    # this process, since sending them back from a child would cost more than
    # the fit; and plain knn's is quick, light work that never queues behind a
    # training (Draw reads with it while its model trains).
    verb = "Loading" if stored else "Training"
    return _memoised(
        key,
        train,
        title=f"{verb} {models.describe(name, target_digit=target_digit)}",
        heavy=not stored and not spec.fit_is_light,
        memory=models.fit_memory(name, len(y)),
        priority=priority,
        wait=wait,
        show_errors=True,
        isolate=spec.persisted,
    )


def get_refusal(
    *, source: str | None = None, wait: Wait = True
) -> refusal.DigitRefusal | None:
    """What tells digits from non-digits, learnt from ``source``'s training digits.

    The same statistics as :data:`mnist_dash.models.DRAW_MODEL`'s own refusal
    step (computed once, whichever asks first), for the models without one.
    None when ``wait`` runs out first.
    """
    source = source or data_source()
    X = get_data(source).X_train
    key = ("refusal", source)
    # Hashing the digits to find the stored file takes 3 ms on the sample, 40
    # on full MNIST: only before the first call, not on every page run.
    stored = _scheduler.get(key) is None and refusal.DigitRefusal().is_stored(X)
    return _memoised(
        key,
        lambda job: refusal.DigitRefusal().fit(X),
        title="Learning what is not a digit",
        heavy=not stored,
        memory=refusal.REFUSAL_BYTES,
        wait=wait,
    )


#: Held-out digits and non-digits that the reading check reads.
_CHECK_DIGITS = 1000


_CHECK_NON_DIGITS = 500


def get_reading_check(
    name: str, *, source: str | None = None, wait: Wait = False
) -> reading.Assessment | None:
    """How model ``name`` reads held-out test digits (as drawn) and non-digits.

    Sets the model's calibrated margin, and gives the risk-coverage data. None
    until the model, the refusal and the check itself are ready (with
    ``wait=False``, the default, nothing waits).
    """
    source = source or data_source()
    dataset = get_data(source)
    model = get_model(name, source=source, wait=wait)
    checker = get_refusal(source=source, wait=wait)
    if model is None or checker is None:
        return None

    def drawn(job: jobs.Job) -> np.ndarray:
        job.progress(0.0, "Drawing the test digits")
        return refusal.as_drawn(dataset.X_test[:_CHECK_DIGITS])

    digits = _memoised(
        ("drawn_test", source), drawn, title="Drawing the test digits", wait=wait
    )
    if digits is None:
        return None

    def check(job: jobs.Job) -> reading.Assessment:
        job.progress(0.0, "Reading test digits and non-digits")
        return reading.assess(
            model,
            digits,
            dataset.y_test[:_CHECK_DIGITS],
            refusal.non_digit_glyphs(_CHECK_NON_DIGITS, random_state=7),
            refusal=checker,
        )

    return _memoised(
        ("reading_check", source, name),
        check,
        title=f"Checking how {models.describe(name)} refuses",
        heavy=True,
        memory=models.score_memory(name, _CHECK_DIGITS),
        wait=wait,
    )


def get_test_accuracy(
    name: str, *, source: str | None = None, wait: Wait = True
) -> float | None:
    """Test-set accuracy of the multiclass model ``name``, computed once."""
    source = source or data_source()
    dataset = get_data(source)
    model = get_model(name, source=source, wait=wait)
    if model is None:
        return None

    def score(job: jobs.Job) -> float:
        job.progress(0.0, "Predicting the test digits")
        return models.accuracy(model, dataset.X_test, dataset.y_test)

    return _memoised(
        ("accuracy", source, name),
        score,
        title="Scoring on the test digits",
        heavy=True,
        memory=models.score_memory(name, len(dataset.y_test)),
        wait=wait,
        show_errors=True,
    )


def get_cross_val(
    name: str,
    *,
    source: str | None = None,
    target_digit: int | None = None,
    wait: Wait = True,
    priority: int = jobs.INTERACTIVE,
) -> evaluation.CrossValResult | None:
    """Out-of-fold predictions and scores (``cv=3``), computed once with progress.

    With ``priority=jobs.BACKGROUND`` (the book's long runs), the computation
    lets waiting visitors' work go first between two folds. None when ``wait``
    runs out first.
    """
    source = source or data_source()
    dataset = get_data(source)
    X, y = dataset.X_train, dataset.y_train
    key = ("cv", source, name, target_digit)
    stored = _scheduler.get(key) is None and evaluation.is_cached(
        name, X, y, target_digit=target_digit
    )

    def compute(job: jobs.Job) -> evaluation.CrossValResult:
        return evaluation.cross_validate_model(
            name,
            X,
            y,
            target_digit=target_digit,
            progress=job,
            between_folds=job.checkpoint,
        )

    verb = "Loading" if stored else "Cross-validating"
    return _memoised(
        key,
        compute,
        title=f"{verb} {models.describe(name, target_digit=target_digit)}",
        heavy=not stored,
        memory=models.fit_memory(name, len(y) * 2 // 3),
        priority=priority,
        wait=wait,
        show_errors=True,
    )


def get_threshold_curves(
    name: str,
    *,
    target_digit: int,
    source: str | None = None,
) -> charts.ThresholdCurves:
    """Precision and recall at every threshold of a cross-validated detector.

    Sorted once per server process, so that moving a threshold slider only looks
    values up (:func:`mnist_dash.charts.metrics_at_threshold`).
    """
    source = source or data_source()
    result = get_cross_val(name, source=source, target_digit=target_digit)
    assert result is not None
    curves = _memoised(
        ("curves", source, name, target_digit),
        lambda job: charts.compute_threshold_curves(result.y_true, result.scores),
        title="Sorting the scores",
    )
    assert curves is not None
    return curves


#: Where a digit's threshold starts when none was chosen: the book's "90 %
#: precision".
START_PRECISION = 0.90


def book_start(
    curves: charts.ThresholdCurves, *, target_digit: int, source: str | None = None
) -> tuple[float, charts.BinaryMetrics]:
    """The book's starting threshold for the SGD "is it a ``target_digit``?"
    detector, and its metrics there; once per server.

    ``curves`` are that detector's (:func:`get_threshold_curves`, which the page
    calls already: calling it here again would add its progress bar's place to
    the page, and move what follows on the first run). The lowest threshold with
    :data:`START_PRECISION`, as the book's ``thresholds[(precisions >=
    0.90).argmax()]``; SGD's own threshold, 0, for a detector that never
    reaches it.
    """
    source = source or data_source()

    def compute() -> tuple[float, charts.BinaryMetrics]:
        try:
            start = charts.threshold_for_precision(curves, START_PRECISION)
        except ValueError:
            start = 0.0
        return start, charts.metrics_at_threshold(curves, start)

    return shared(("book_start", source, target_digit), compute)


def run(
    task: tasks.Task, *, wait: Wait = True, priority: int = jobs.INTERACTIVE
) -> Any:
    """The result of ``task`` (see :mod:`mnist_dash.tasks`), computed once.

    A result stored in the cache folder is read as light work, never queued
    behind a training. None when ``wait`` runs out first; the work goes on.
    """
    stored = task.stored and _scheduler.get(task.key) is None
    return _memoised(
        task.key,
        task.compute,
        title=("Loading: " if stored else "") + task.title,
        heavy=task.heavy and not stored,
        memory=task.memory,
        priority=priority,
        wait=wait,
    )


def model_ready(name: str, *, source: str | None = None) -> bool:
    """Whether the multiclass model ``name`` is trained on ``source`` already."""
    return is_ready("model", source or data_source(), name, None)
