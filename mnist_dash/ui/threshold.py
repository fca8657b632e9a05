"""The detector's threshold, shared by the pages and kept in the address bar."""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from mnist_dash.ui.session import _url_digit, init_session


def get_threshold(default: float = 0.0) -> float:
    """The decision threshold shared by the Draw, Precision/recall and ROC pages.

    Taken from this session, else from the URL (``?threshold=...``, so a shared
    link opens the same view), else ``default`` (SGD's own threshold is 0).
    """
    init_session()
    if "threshold" not in st.session_state:
        try:
            from_url = float(st.query_params["threshold"].replace(",", ""))
        except (KeyError, ValueError):
            return default
        if not math.isfinite(from_url):  # "nan" or "inf" typed into the URL
            return default
        st.session_state["threshold"] = from_url
        st.session_state["threshold_digit"] = _url_digit()
    return float(st.session_state["threshold"])


def set_detector_threshold(value: float, *, target_digit: int) -> None:
    """Share the threshold of the "is it a ``target_digit``?" detector.

    Kept in this session and in the URL (so a link opens the same view), with
    the digit it belongs to. The URL is only written when its value changes.
    """
    st.session_state["threshold"] = float(value)
    st.session_state["threshold_digit"] = int(target_digit)
    shown = {"digit": str(int(target_digit)), "threshold": url_number(value)}
    for name, text in shown.items():
        if st.query_params.get(name) != text:
            st.query_params[name] = text


def url_number(value: float) -> str:
    """A threshold for the address bar: plain digits, never ``1.2e+04``.

    The shortest text that reads back as the same float, so a shared link opens
    at exactly the same threshold.

    >>> url_number(3370.0194991439557), url_number(-66922.0), url_number(1e-7)
    ('3370.0194991439557', '-66922', '0.0000001')
    """
    return np.format_float_positional(float(value), trim="-")


def detector_threshold(
    target_digit: int, *, default: float, share: bool = True
) -> float:
    """The shared threshold for the "is it a ``target_digit``?" detector.

    The shared threshold (this session's, else the URL's) when it was set for this
    digit or for no digit in particular (a shared link); otherwise ``default``,
    for example this digit's 90 %-precision threshold. With ``share`` the result
    becomes the shared threshold; without it (the Draw page, which only reads the
    threshold) nothing is written, so the Precision/recall page still starts a new
    digit at its own 90 %-precision threshold.
    """
    init_session()
    value = get_threshold(default)
    if st.session_state.get("threshold_digit") not in (None, target_digit):
        value = default
    if not abs(value) < float("inf"):  # NaN or infinite, from a hand-made URL
        value = default
    if share:
        set_detector_threshold(value, target_digit=target_digit)
    return value
