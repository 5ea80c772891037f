"""Automated document checks (issue 7): pure Python, no Django models or settings needed.

Entry point: ``inspect_bytes(data, filename, context=...)`` in ``pipeline``. The names below are
imported when first asked for: a web process that only needs the findings' texts or the upload limits
never loads the readers' libraries (OpenCV, NumPy, PDFium).
"""

from importlib import import_module

_EXPORTS = {
    "CATALOGUE": "findings", "Finding": "findings", "Severity": "findings",
    "Context": "crosscheck", "InspectionResult": "pipeline", "inspect_bytes": "pipeline",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
