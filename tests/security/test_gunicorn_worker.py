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


# Another WSGI app gunicorn serves from this folder (the benchmark's ceiling).
_OTHER_APP_WORKER_START = """
import gc, json, runpy, sys
runpy.run_path("gunicorn.conf.py")["post_worker_init"](None)
print("WORKER", json.dumps(["django.urls" in sys.modules, gc.get_freeze_count()]))
"""


def _worker(script: str, **environment: str) -> list:
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.split("WORKER", 1)[1])


def test_a_worker_loads_the_views_and_freezes_what_loading_made():
    before, loaded, frozen = _worker(
        _WORKER_START, DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="true"
    )
    assert before == [False, 0]
    assert loaded
    assert frozen > 50_000  # Django, DRF and the app's modules


def test_a_worker_of_another_app_is_left_alone():
    assert _worker(_OTHER_APP_WORKER_START) == [False, 0]
