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


# Whether a 2 MB buffer is mapped (`mallinfo2().hblks`) after a 20 MB one was
# freed: glibc's own rule would have raised its threshold past 2 MB by then.
_LARGE_BUFFERS = """
import ctypes, json, runpy
import django
django.setup()


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
        "uordblks", "fordblks", "keepcost")]


libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
runpy.run_path("gunicorn.conf.py")["post_worker_init"](None)
big = bytearray(20_000_000)
del big
before = libc.mallinfo2().hblks
buffer = bytearray(2_000_000)
print("WORKER", json.dumps([before, libc.mallinfo2().hblks]))
"""


def test_a_worker_hands_large_buffers_back_to_the_system():
    before, after = _worker(
        _LARGE_BUFFERS, DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="true"
    )
    assert after == before + 1  # mapped: unmapped again when freed
