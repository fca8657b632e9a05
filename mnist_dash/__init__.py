"""mnist_dash: chapter 3 of Hands-On Machine Learning (MNIST), as a dashboard.

The core (data, preprocessing, models, evaluation, charts) works without
Streamlit; :mod:`mnist_dash.ui` is the only module that imports it.
"""

from __future__ import annotations

from mnist_dash.data import DataSourceError, MnistData, load_mnist
from mnist_dash.models import MODELS, train_model

__all__ = ["DataSourceError", "MnistData", "load_mnist", "MODELS", "train_model"]
