"""`gunicorn.conf.py`'s worker hooks: the views are loaded and the objects loading
made are frozen out of the garbage collector's walks before the first request;
large buffers go back to the system, and a large answer's garbage is collected
once it is sent."""

import gc
import json
import runpy
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_WORKER_START = """
import gc, json, runpy, sys
import django
django.setup()
before = ["api.views" in sys.modules, gc.get_freeze_count()]
conf = runpy.run_path("gunicorn.conf.py")
conf["post_worker_init"](None)
from django.core.signals import request_started
environ = {}
request_started.send(sender=None, environ=environ)
print("WORKER", json.dumps([before, "api.views" in sys.modules, gc.get_freeze_count(),
                            environ.get(conf["RENDERED"])]))
"""


# Another WSGI app gunicorn serves from this folder (the benchmark's ceiling).
_OTHER_APP_WORKER_START = """
import gc, json, runpy, sys


class Node:
    pass


conf = runpy.run_path("gunicorn.conf.py")
conf["post_worker_init"](None)
gc.disable()
node = Node()
node.self = node
conf["post_request"](None, None, {conf["RENDERED"]: True},
                     type("Sent", (), {"sent": 4_000_000})())
found = any(thing is node for thing in gc.get_objects())
del node
print("WORKER", json.dumps(["django.urls" in sys.modules, gc.get_freeze_count(),
                            found]))
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
    before, loaded, frozen, rendered = _worker(
        _WORKER_START, DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="true"
    )
    assert rendered is True  # what Django renders is marked for `post_request`
    assert before == [False, 0]
    assert loaded
    assert frozen > 50_000  # Django, DRF and the app's modules


def test_a_worker_of_another_app_is_left_alone():
    # No views loaded, nothing frozen, no collection after a large answer.
    assert _worker(_OTHER_APP_WORKER_START) == [False, 0, True]


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


class _Sent:
    def __init__(self, sent: int) -> None:
        self.sent = sent


def _garbage_in_a_cycle():
    class Node:
        pass

    node = Node()
    node.self = node  # only the cycle collector can free it
    return weakref.ref(node)


@pytest.fixture
def conf():
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_after_a_large_rendered_answer_its_garbage_is_collected(conf):
    rendered = {conf["RENDERED"]: True}
    gc.disable()
    try:
        garbage = _garbage_in_a_cycle()
        conf["post_request"](None, None, rendered, _Sent(20_000))
        assert garbage() is not None  # a small answer: left to the collector
        conf["post_request"](None, None, {}, _Sent(4_000_000))
        assert garbage() is not None  # a cached one, sent before Django ran
        conf["post_request"](None, None, rendered, _Sent(4_000_000))
        assert garbage() is None
    finally:
        gc.enable()
