"""mnist_dash: the router. Each page is a file in pages/; this file only lists them."""

import streamlit as st

st.set_page_config(page_title="mnist_dash", page_icon="✏️", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/draw.py", title="Draw", icon="✏️"),
    st.Page("pages/binary.py", title="Binary classifier", icon="🎯"),
    st.Page("pages/tradeoff.py", title="Precision/recall", icon="⚖️"),
    st.Page("pages/roc.py", title="ROC curve", icon="📈"),
    st.Page("pages/multiclass.py", title="Multiclass", icon="🔢"),
    st.Page("pages/exercises.py", title="Exercises", icon="🏋️"),
]

st.navigation(pages).run()
