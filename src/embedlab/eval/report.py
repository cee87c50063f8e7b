"""The report's tables under their earlier path: they live in :mod:`embedlab.eval.markdown`,
and ``write_report`` (it draws charts) in :mod:`embedlab.viz.report`.

``from embedlab.eval.report import score_table`` keeps working; ``write_report`` from here is
deprecated and goes in the next release.
"""

from __future__ import annotations

from typing import Any

from embedlab.eval.markdown import (  # noqa: F401  (the names this module has always had)
    has_tradeoff,
    load_failures,
    load_records,
    markdown_report,
    score_table,
    settings_table,
)


def __getattr__(name: str) -> Any:
    if name == "write_report":  # deprecated: it draws charts, so it lives in embedlab.viz
        import warnings

        from embedlab.viz.report import write_report

        warnings.warn("embedlab.eval.report.write_report moved to "
                      "embedlab.viz.report.write_report; the old name goes in the next release",
                      DeprecationWarning, stacklevel=2)
        return write_report
    raise AttributeError(f"module 'embedlab.eval.report' has no attribute {name!r}")
