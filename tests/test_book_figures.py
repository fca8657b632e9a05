"""The book's figures, computed here at full scale, in the core and on the pages.

Uses full MNIST from ``../shared/data/mnist`` (the same 70,000 digits, in the
same order, as OpenML's ``mnist_784``): skipped, with the reason, where that
folder is missing. The OpenML source is seeded from it offline, so the pages load
full MNIST the way a user's download would give it. The cross-validations run
once (about two minutes on two cores) and are kept in the test run's cache
folder, from which the pages then read them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    brier_score_loss,
    confusion_matrix,
    f1_score,
    make_scorer,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import TunedThresholdClassifierCV
from streamlit.testing.v1 import AppTest

from mnist_dash import book, charts, data, evaluation, models, multilabel, ui
from mnist_dash.neighbours import PixelNeighbours

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
FULL = ROOT.parent / "shared" / "data" / "mnist"
F = book.FIGURES

pytestmark = pytest.mark.skipif(
    not (FULL / "train-images-idx3-ubyte.gz").is_file(),
    reason=f"full MNIST is not in {FULL}",
)


@pytest.fixture(scope="module")
def full() -> data.MnistData:
    """Full MNIST from the folder; the OpenML cache seeded with the same digits."""
    data.seed_openml_cache(FULL)
    folder = data.load_mnist(FULL)
    assert folder.is_book
    return folder


@pytest.fixture(scope="module")
def sgd_5(full: data.MnistData) -> evaluation.CrossValResult:
    return evaluation.cross_validate_model(
        "sgd", full.X_train, full.y_train, target_digit=5
    )


def test_cross_validate_model_gives_the_books_five_detector(
    full: data.MnistData, sgd_5: evaluation.CrossValResult
) -> None:
    r = sgd_5
    assert r.fold_accuracy.tolist() == list(F["binary_fold_accuracy"].value)
    assert confusion_matrix(r.y_true, r.y_pred).tolist() == [
        list(row) for row in F["binary_confusion"].value
    ]
    for name, score in (
        ("precision", precision_score),
        ("recall", recall_score),
        ("f1", f1_score),
    ):
        assert round(score(r.y_true, r.y_pred), 4) == round(F[name].value, 4), name
    curves = charts.compute_threshold_curves(r.y_true, r.scores)
    threshold = charts.threshold_for_precision(curves, 0.90)
    assert round(threshold, 4) == round(F["threshold_90"].value, 4)
    at_90 = charts.metrics_at_threshold(curves, threshold)
    assert round(at_90.recall, 4) == round(F["recall_at_90"].value, 4)
    assert round(roc_auc_score(r.y_true, r.scores), 4) == round(F["auc_sgd"].value, 4)
    dummy = evaluation.dummy_accuracy(full.y_train, target_digit=5)
    assert dummy.tolist() == list(F["dummy_fold_accuracy"].value)


def test_the_books_random_forest_auc(full: data.MnistData) -> None:
    forest = evaluation.cross_validate_model(
        "random_forest", full.X_train, full.y_train, target_digit=5
    )
    auc = roc_auc_score(forest.y_true, forest.scores)
    assert round(auc, 4) == round(F["auc_forest"].value, 4)


class _Scores(ClassifierMixin, BaseEstimator):
    """A fitted classifier whose decision score is its one feature (the scores)."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def decision_function(self, X):
        return np.asarray(X)[:, 0]


def test_cheapest_threshold_and_folds_at_full_scale(
    full: data.MnistData, sgd_5: evaluation.CrossValResult
) -> None:
    """The book's 60,000 out-of-fold scores: the cheapest threshold is the one
    TunedThresholdClassifierCV picks (its scorer run on every 100th threshold
    and on ours, which must then win), and the spread is each fold's own."""
    y, scores = sgd_5.y_true, sgd_5.scores
    curves = charts.compute_threshold_curves(y, scores)
    cost = charts.compute_cost_curve(curves, fp_cost=1, fn_cost=5)
    picked = np.union1d(np.arange(0, len(curves.thresholds), 100), [cost.best])

    def expected_cost(y_true, y_pred):
        (_, fp), (fn, _) = confusion_matrix(y_true, y_pred)
        return (fp + 5 * fn) / len(y_true)

    tuned = TunedThresholdClassifierCV(
        _Scores().fit(scores[:, None], y),
        scoring=make_scorer(expected_cost, greater_is_better=False),
        thresholds=curves.thresholds[picked],
        cv="prefit",
        refit=False,
        store_cv_results=True,
    ).fit(scores[:, None], y)
    assert tuned.best_threshold_ == cost.best_threshold
    np.testing.assert_allclose(-tuned.cv_results_["scores"], cost.costs[picked])

    folds = evaluation.fold_ids(full.y_train, target_digit=5)
    spread = charts.compute_fold_spread(y, scores, folds)
    column = int(np.searchsorted(spread.thresholds, 0.0))
    for fold in range(3):
        members = folds == fold
        y_pred = scores[members] >= spread.thresholds[column]
        assert spread.values["recall"][fold, column] == pytest.approx(
            recall_score(y[members], y_pred)
        )


def test_forest_calibration_and_multilabel_answers_at_full_scale(
    full: data.MnistData,
) -> None:
    forest = evaluation.cross_validate_model(
        "random_forest", full.X_train, full.y_train, target_digit=5
    )
    data_ = charts.compute_calibration(forest.y_true, {"forest": forest.scores})
    prob_true, prob_pred = calibration_curve(forest.y_true, forest.scores, n_bins=10)
    np.testing.assert_allclose(data_.curves[0].prob_true, prob_true)
    np.testing.assert_allclose(data_.curves[0].prob_pred, prob_pred)
    assert data_.curves[0].brier == brier_score_loss(forest.y_true, forest.scores)

    # The book's knn_clf.predict([some_digit]) and chain_clf.predict([some_digit]).
    targets = multilabel.multilabel_targets(full.y_train)
    some_digit = full.X_train[:1]
    labels, _ = multilabel.predict_labels(
        PixelNeighbours(full.X_train), targets, some_digit
    )
    assert tuple(labels[0]) == F["multilabel_some_digit"].value
    chain = multilabel.fit_book_chain(full.X_train, full.y_train, cache=False)
    assert tuple(chain.predict(some_digit)[0]) == F["chain_some_digit"].value


def _full_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state["data_source"] = "openml"
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _book_rows(at: AppTest) -> dict[str, tuple[str, str, str]]:
    """The page's book-versus-here table, by figure."""
    (table,) = [t for t in at.dataframe if "Computed here" in t.value.columns]
    return {
        row["Figure"]: (row["The book (full MNIST)"], row["Computed here"], row[""])
        for _, row in table.value.iterrows()
    }


def test_pages_show_the_books_figures_at_full_scale(
    full: data.MnistData, sgd_5: evaluation.CrossValResult
) -> None:
    binary = _full_page("views/binary.py")
    assert "full MNIST, split as in the book" in binary.caption[0].value
    rows = _book_rows(binary)
    assert len(rows) == 6
    assert all(mark == "✅ same" for _, _, mark in rows.values()), rows
    assert rows["cross_val_score, SGD"][1] == "[0.95035, 0.96035, 0.9604]"
    assert rows["Confusion matrix [[TN, FP], [FN, TP]]"][1] == (
        "[[53,892, 687], [1,891, 3,530]]"
    )
    shown = {m.label: m.value for m in binary.metric}
    dummy = F["dummy_fold_accuracy"].value[0]
    assert shown["Dummy that never says 5"] == f"{dummy:.2%}"
    assert (shown["Precision"], shown["Recall"], shown["F1 score"]) == (
        "83.71%",
        "65.12%",
        "73.25%",
    )

    tradeoff = _full_page("views/tradeoff.py")
    assert len(tradeoff.get("plotly_chart")) == 5  # with the cost and the folds
    shown = {m.label: m.value for m in tradeoff.metric}
    assert (shown["Threshold"], shown["Precision"], shown["Recall"]) == (
        "3,370",
        "90.0%",
        "48.0%",
    )
    assert tradeoff.slider(key="tradeoff_threshold").value == pytest.approx(
        F["threshold_90"].value
    )
    # The link: the digit and the threshold in plain digits.
    assert tradeoff.query_params["digit"] == "5"
    assert tradeoff.query_params["threshold"] == "3370.0194991439557"
    rows = _book_rows(tradeoff)
    assert all(mark == "✅ same" for _, _, mark in rows.values()), rows

    roc = _full_page("views/roc.py")
    forest = ui.job("cv", "openml", "random_forest", 5)
    if forest is not None:
        forest.future.exception()  # the forest's run, left in the background
        roc.run()
    shown = {m.label: m.value for m in roc.metric}
    sgd_label = models.MODELS["sgd"].label
    forest_label = models.MODELS["random_forest"].label
    assert (shown[f"AUC, {sgd_label}"], shown[f"AUC, {forest_label}"]) == (
        "0.9605",
        "0.9983",
    )
    rows = _book_rows(roc)
    assert all(mark == "✅ same" for _, _, mark in rows.values()), rows
    assert np.isclose(float(shown[f"AUC, {sgd_label}"]), F["auc_sgd"].value, atol=5e-5)


def test_models_that_would_not_fit_are_not_offered_at_full_scale(
    full: data.MnistData, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _full_page("views/home.py")
    picker = home.selectbox(key="home_model")
    offered, too_big = ui.offered_models("openml")
    budget = ui._scheduler.memory_budget
    assert too_big and all(
        models.fit_memory(name, len(full.y_train)) > budget for name in too_big
    )
    # knn_shifted keeps its 300,000 shifted digits as uint8 (227 MB): it fits.
    assert "knn_shifted" in offered and "knn" in offered
    assert picker.options == [models.MODELS[name].label for name in offered]
    assert picker.value in offered  # never a model that is not offered
    assert "memory budget" in picker.help
    # On a smaller server (MNIST_DASH_MEMORY_MB=200) it does not, and the
    # Exercises page says why.
    monkeypatch.setattr(ui._scheduler, "memory_budget", 200 * 2**20)
    assert "knn_shifted" in ui.offered_models("openml")[1]
    exercises = _full_page("views/exercises.py")
    assert any("Not offered on this data" in i.value for i in exercises.info)
