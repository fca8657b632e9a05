"""mnist_dash: the router. Each page is a file in views/; this file only lists them."""

import streamlit as st

from mnist_dash import ui

st.set_page_config(page_title="mnist_dash", page_icon="✏️", layout="wide")

pages = [
    st.Page("views/home.py", title="Home", icon="🏠", default=True),
    st.Page("views/draw.py", title="Draw", icon="✏️"),
    st.Page("views/binary.py", title="Binary classifier", icon="🎯"),
    st.Page("views/tradeoff.py", title="Precision/recall", icon="⚖️"),
    st.Page("views/roc.py", title="ROC curve", icon="📈"),
    st.Page("views/calibration.py", title="Calibration", icon="🌡️"),
    st.Page("views/multiclass.py", title="Multiclass", icon="🔢"),
    st.Page("views/multilabel.py", title="Multilabel", icon="🏷️"),
    st.Page("views/multioutput.py", title="Multioutput", icon="🧽"),
    st.Page("views/exercises.py", title="Exercises", icon="🏋️"),
]

ui.run_page(st.navigation(pages))
