"""A web process loads the portal's views and the task modules it enqueues into, never the document
readers' libraries: OpenCV, NumPy, PDFium and ReportLab cost each gunicorn worker about 45 MB (the
memory target of issue #25 is 200 MB per worker, exports included). The check worker imports them
when it first runs a check."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ["cv2", "numpy", "pypdfium2", "reportlab", "pytesseract"]

PROGRAM = f"""
import json, sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every view module
import wsa.celery, documents.tasks, applications.tasks, authorities.tasks
print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))
"""


def test_a_web_process_never_loads_the_document_readers_libraries():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wsa.settings", "DJANGO_ENV": "test"}
    out = subprocess.run([sys.executable, "-c", PROGRAM], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_the_checks_still_find_their_readers_when_a_document_is_checked():
    from documents.checks import inspect_bytes
    from documents.testing.documents import make_degree_pdf

    result = inspect_bytes(make_degree_pdf(), "degree.pdf", context={"expected_document_type": "degree_certificate"})
    assert result.document_type == "degree_certificate"
    assert "cv2" in sys.modules and "numpy" in sys.modules
