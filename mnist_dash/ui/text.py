"""What pages say about the data in use and the book's figures; the small canvas."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from mnist_dash import (
    book,
    preprocess,
)
from mnist_dash import data as data_module


def data_note(dataset: data_module.MnistData) -> None:
    """One line saying whether the data in use is the book's, and what follows."""
    if dataset.is_book:
        st.caption(
            "📗 Data: full MNIST, split as in the book (the first 60,000 digits, "
            "in their original order, for training). The book's calls give the "
            "book's figures here."
        )
    else:
        st.caption(
            f"📙 Data: {dataset.description} The book's figures are for full "
            "MNIST, so these differ; load full MNIST on the Home page to "
            "reproduce them."
        )


def book_table(
    rows: list[tuple[str, book.BookFigure, Any, str]],
    *,
    dataset: data_module.MnistData,
    key: str,
) -> None:
    """The book's printed figures beside ours (see :func:`mnist_dash.book.compare`)."""
    compared = book.compare(rows, on_book_data=dataset.is_book)
    marks = {True: "✅ same", False: "❌ differs", None: "— other data"}
    st.dataframe(
        [
            {
                "Figure": row.figure,
                "The book (full MNIST)": row.book,
                "Computed here": row.here,
                "": marks[row.agrees],
            }
            for row in compared
        ],
        hide_index=True,
        key=key,
    )


def drawn_digit(key: str, *, size: int = 200) -> np.ndarray | None:
    """A small drawing canvas with a Clear button; the drawing as an MNIST digit.

    The 784 pixels :func:`mnist_dash.preprocess.canvas_to_mnist` makes of it, or
    None while the canvas is empty. The canvas's key is ``f"{key}_{n}"``, where
    ``n`` counts the clears (a new key mounts an empty canvas). What the browser
    sent is checked before it is decoded
    (:func:`mnist_dash.preprocess.decode_canvas_state`): a drawing that cannot be
    read is said in one sentence, and a fresh canvas takes its place.
    """
    from streamlit_drawable_canvas import st_canvas

    generation = f"{key}_generation"
    st.session_state.setdefault(generation, 0)

    def clear() -> None:
        st.session_state[generation] += 1

    problem = ""
    try:
        image = preprocess.decode_canvas_state(
            st.session_state.get(f"{key}_{st.session_state[generation]}")
        )
    except ValueError as error:
        problem, image = str(error), None
        clear()
    st_canvas(
        stroke_width=max(size // 14, 6),
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=size,
        width=size,
        drawing_mode="freedraw",
        update_streamlit=True,
        return_image_data=True,
        key=f"{key}_{st.session_state[generation]}",
    )
    st.button("Clear", key=f"{key}_clear", on_click=clear, icon="🧹")
    if problem:
        st.error(f"This drawing cannot be read: {problem}.", icon="🚫")
    if image is None:
        return None
    features = preprocess.canvas_to_mnist(image)
    return features if features.any() else None
