"""Automated document checks (issue 7): pure Python, no Django models or settings needed.

Entry point: ``inspect_bytes(data, filename, context=...)`` in ``pipeline``.
"""

from .crosscheck import Context
from .findings import CATALOGUE, Finding, Severity
from .pipeline import InspectionResult, inspect_bytes

__all__ = ["CATALOGUE", "Context", "Finding", "InspectionResult", "Severity", "inspect_bytes"]
