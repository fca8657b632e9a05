"""The book's own printed figures, and a side-by-side comparison with ours.

Every number here is an output printed in the 3rd edition's notebook
(``03_classification.ipynb``, github.com/ageron/handson-ml3), for the call named
beside it, on full MNIST split as the book splits it. Pages show them next to
the figure they computed themselves, never in its place: :func:`compare` lines
the two up and says whether they agree at the precision shown. They can only be
expected to agree on the book's data (:attr:`mnist_dash.data.MnistData.is_book`).

Example
-------
>>> rows = compare([("ROC AUC, SGD", FIGURES["auc_sgd"], 0.96049, "{:.4f}")],
...                on_book_data=True)
>>> rows[0].book, rows[0].here, rows[0].agrees
('0.9605', '0.9605', True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "EXERCISE_1_TARGET",
    "BookFigure",
    "ComparisonRow",
    "FIGURES",
    "compare",
    "multiclass_note",
]

#: Exercise 1 of chapter 3: "a classifier for the MNIST dataset that achieves
#: over 97% accuracy on the test set".
EXERCISE_1_TARGET = 0.97


@dataclass(frozen=True)
class BookFigure:
    """One figure the book prints.

    Attributes
    ----------
    value : float or tuple
        What the notebook printed.
    call : str
        The call that printed it, as in the notebook.
    """

    value: Any
    call: str


FIGURES: dict[str, BookFigure] = {
    "example_digit": BookFigure(5, "y[0]"),
    "example_score": BookFigure(
        2164.22030239, "sgd_clf.decision_function([some_digit])"
    ),
    "binary_fold_accuracy": BookFigure(
        (0.95035, 0.96035, 0.9604),
        'cross_val_score(sgd_clf, X_train, y_train_5, cv=3, scoring="accuracy")',
    ),
    "dummy_fold_accuracy": BookFigure(
        (0.90965, 0.90965, 0.90965),
        'cross_val_score(dummy_clf, X_train, y_train_5, cv=3, scoring="accuracy")',
    ),
    "binary_confusion": BookFigure(
        ((53892, 687), (1891, 3530)), "confusion_matrix(y_train_5, y_train_pred)"
    ),
    "precision": BookFigure(0.8370879772350012, "precision_score(y_train_5, ...)"),
    "recall": BookFigure(0.6511713705958311, "recall_score(y_train_5, ...)"),
    "f1": BookFigure(0.7325171197343846, "f1_score(y_train_5, y_train_pred)"),
    "threshold_90": BookFigure(
        3370.0194991439557, "thresholds[(precisions >= 0.90).argmax()]"
    ),
    "precision_at_90": BookFigure(
        0.9000345901072293, "precision_score(y_train_5, y_train_pred_90)"
    ),
    "recall_at_90": BookFigure(
        0.4799852425751706, "recall_score(y_train_5, y_train_pred_90)"
    ),
    "auc_sgd": BookFigure(0.9604938554008616, "roc_auc_score(y_train_5, y_scores)"),
    "auc_forest": BookFigure(
        0.9983436731328145, "roc_auc_score(y_train_5, y_scores_forest)"
    ),
    "forest_precision": BookFigure(
        0.9897468089558485, "precision_score(y_train_5, y_train_pred_forest)"
    ),
    "forest_recall": BookFigure(
        0.8725327430363402, "recall_score(y_train_5, y_train_pred_forest)"
    ),
    "forest_f1": BookFigure(
        0.9274509803921569, "f1_score(y_train_5, y_train_pred_forest)"
    ),
    "multiclass_raw": BookFigure(
        (0.87365, 0.85835, 0.8689),
        'cross_val_score(sgd_clf, X_train, y_train, cv=3, scoring="accuracy")',
    ),
    "multiclass_scaled": BookFigure(
        (0.8983, 0.891, 0.9018),
        'cross_val_score(sgd_clf, X_train_scaled, y_train, cv=3, scoring="accuracy")',
    ),
    "knn_accuracy": BookFigure(0.9714, "grid_search.score(X_test, y_test)"),
    "knn_shifted_accuracy": BookFigure(0.9763, "knn_clf.score(X_test, y_test)"),
    "multilabel_some_digit": BookFigure(
        (False, True), "knn_clf.predict([some_digit])"
    ),
    "multilabel_f1_macro": BookFigure(
        0.976410265560605,
        'f1_score(y_multilabel, y_train_knn_pred, average="macro")',
    ),
    "multilabel_f1_weighted": BookFigure(
        0.9778357403921755,
        'f1_score(y_multilabel, y_train_knn_pred, average="weighted")',
    ),
    "chain_some_digit": BookFigure((0.0, 1.0), "chain_clf.predict([some_digit])"),
}



def multiclass_note() -> str:
    """Why the multiclass SGD figures computed here can differ from the printed ones."""
    import sklearn

    return (
        "The book's figures were printed by an earlier scikit-learn. With the "
        f"version installed here ({sklearn.__version__}) the same multiclass SGD "
        "calls give slightly different fold accuracies, as readers of the book "
        "have reported too (github.com/ageron/handson-ml2/issues/152), while the "
        "binary 5-detector's figures come out the same to the last digit."
    )


@dataclass(frozen=True)
class ComparisonRow:
    """One line of a book-versus-here table.

    Attributes
    ----------
    figure : str
        What is compared, for people.
    book, here : str
        The two values, formatted the same way.
    agrees : bool or None
        Whether they are equal as shown; None when the data is not the book's
        (then they are not expected to agree).
    """

    figure: str
    book: str
    here: str
    agrees: bool | None


def _format(value: Any, fmt: str) -> str:
    if isinstance(value, np.ndarray | np.generic):
        value = value.tolist()
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[" + ", ".join(_format(v, fmt) for v in value) + "]"
    return fmt.format(value)


def compare(
    rows: Iterable[tuple[str, BookFigure, Any, str]], *, on_book_data: bool
) -> list[ComparisonRow]:
    """Line up the book's figures with ours.

    Parameters
    ----------
    rows : iterable of (label, book figure, our value, format)
        ``format`` is a ``str.format`` pattern applied to both values (to each
        element of a sequence).
    on_book_data : bool
        Whether our value was computed on the book's data.
    """
    out = []
    for label, figure, ours, fmt in rows:
        book_text, our_text = _format(figure.value, fmt), _format(ours, fmt)
        out.append(
            ComparisonRow(
                figure=label,
                book=book_text,
                here=our_text,
                agrees=(book_text == our_text) if on_book_data else None,
            )
        )
    return out
