"""`gunicorn.conf.py`'s worker start: the views are loaded and the objects loading
made are frozen out of the garbage collector's walks before the first request."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_WORKER_START = """
import gc, json, runpy, sys
import django
django.setup()
before = ["api.views" in sys.modules, gc.get_freeze_count()]
runpy.run_path("gunicorn.conf.py")["post_worker_init"](None)
print("WORKER", json.dumps([before, "api.views" in sys.modules, gc.get_freeze_count()]))
"""


def test_a_worker_loads_the_views_and_freezes_what_loading_made():
    done = subprocess.run(
        [sys.executable, "-c", _WORKER_START],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "true",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    before, loaded, frozen = json.loads(done.stdout.split("WORKER", 1)[1])
    assert before == [False, 0]
    assert loaded
    assert frozen > 50_000  # Django, DRF and the app's modules
