"""The Streamlit-aware side of mnist_dash: what the pages call.

Core modules know nothing of Streamlit; pages call these wrappers, one module
per theme:

- :mod:`~mnist_dash.ui.work`: computations once per server process on a
  scheduler, with progress bars, and the work left running in the background;
- :mod:`~mnist_dash.ui.session`: a page's run, the session's shared defaults and
  pickers (the digit, the data source, the prevalence);
- :mod:`~mnist_dash.ui.loaders`: the data, models and results a page shows
  (``get_*``), and the models offered at the data's scale;
- :mod:`~mnist_dash.ui.threshold`: the detector's threshold, shared by pages and
  kept in the address bar;
- :mod:`~mnist_dash.ui.text`: what pages say about the data and the book's
  figures, and the small canvas of Multilabel and Multioutput.

Every public name is here too (``ui.get_model``, ``ui.shared_digit``, ...).
"""

from __future__ import annotations

from mnist_dash.jobs import keep_malloc_from_hoarding
from mnist_dash.ui.loaders import (
    START_PRECISION,
    book_start,
    fits_in_memory,
    get_cross_val,
    get_data,
    get_model,
    get_reading_check,
    get_refusal,
    get_test_accuracy,
    get_threshold_curves,
    model_picker,
    model_ready,
    offered_models,
    run,
)
from mnist_dash.ui.session import (
    SOURCE_LABELS,
    data_source,
    digit_picker,
    fragment_run,
    init_session,
    prevalence,
    prevalence_picker,
    run_page,
    shared_digit,
)
from mnist_dash.ui.text import (
    book_table,
    data_note,
    drawn_digit,
)
from mnist_dash.ui.threshold import (
    detector_threshold,
    get_threshold,
    set_detector_threshold,
    url_number,
)

# The scheduler and the memoiser, for tests that look inside.
from mnist_dash.ui.work import _memoised as _memoised
from mnist_dash.ui.work import _scheduler as _scheduler
from mnist_dash.ui.work import (
    freeze_what_is_loaded,
    is_ready,
    job,
    not_offered,
    progress_bar,
    result_if_ready,
    shared,
    show_pending,
    trace_collections,
)

__all__ = [
    "run_page",
    "fragment_run",
    "init_session",
    "shared_digit",
    "digit_picker",
    "model_picker",
    "offered_models",
    "fits_in_memory",
    "data_source",
    "get_data",
    "get_model",
    "get_refusal",
    "get_reading_check",
    "get_cross_val",
    "book_start",
    "START_PRECISION",
    "get_test_accuracy",
    "is_ready",
    "result_if_ready",
    "shared",
    "model_ready",
    "job",
    "show_pending",
    "not_offered",
    "progress_bar",
    "get_threshold",
    "get_threshold_curves",
    "detector_threshold",
    "set_detector_threshold",
    "url_number",
    "SOURCE_LABELS",
    "data_note",
    "book_table",
    "run",
    "prevalence",
    "prevalence_picker",
    "drawn_digit",
]

# Imported on the server's first page run, after Streamlit, scikit-learn and
# plotly: what they loaded stays for good, and is left out of the full garbage
# collection Streamlit runs after every page run. And glibc is asked to hand
# freed memory back to the system.
freeze_what_is_loaded()
trace_collections()
keep_malloc_from_hoarding()
