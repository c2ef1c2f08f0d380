"""gunicorn's settings for writing-api; gunicorn reads this file by itself when it
starts in this folder, so production runs plain `gunicorn config.wsgi:application`.
Every value can be set from the environment; command-line flags still win."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:" + os.environ.get("PORT", "8000"))
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

# Long enough that the API itself answers over-long query strings (longer than
# API_MAX_QUERY_STRING, 4096) with its JSON 400; 8190 is gunicorn's largest limit
# short of none at all, and longer request lines are still gunicorn's 414.
limit_request_line = 8190
limit_request_field_size = 8190
limit_request_fields = 100

# A request that takes longer than this is a bug or an attack: the worker is
# restarted. Stopping waits for requests in flight.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Access log to standard output unless GUNICORN_ACCESS_LOG names a file, or is set
# empty to turn it off (the benchmark does).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


def post_worker_init(worker) -> None:
    """Load every view before the first request, then take what loading made out
    of the garbage collector's sight (`gc.freeze()`).

    Django, DRF and the app leave about 120,000 long-lived objects that every full
    collection would walk again; a response that builds many objects (the writing
    index: 10,000 entries) triggers several. Frozen, the index renders in 66 ms
    instead of 102 (in-process median, 10,000 posts); small answers are unchanged.
    Large buffers go back to the system once freed (`_return_large_buffers`).
    """
    import gc
    from importlib import import_module

    from django.conf import settings

    if not settings.configured:  # another WSGI app served from this folder
        return
    _return_large_buffers()
    from django.core.signals import request_started

    request_started.connect(
        _note_rendered, weak=False, dispatch_uid="gunicorn-rendered"
    )
    import_module(settings.ROOT_URLCONF)  # and with it the views, the serializers
    gc.collect()
    gc.freeze()


def _return_large_buffers() -> None:
    """Hand every buffer of 1 MB or more back to the system once it is freed.

    glibc raises its mmap threshold to the largest block freed so far: after one
    18 MB answer (Ghost `limit=all`) every later large buffer comes from the heap,
    and the heap keeps its peak. Measured in one process rendering that answer
    seven times, then the writing index thirty: 152 MB resident against 132 MB
    with the threshold fixed, for about 3 ms more per index render (its 4 MB
    answer is mapped and faulted in afresh). glibc only; an operator's own
    `MALLOC_MMAP_THRESHOLD_` wins.
    """
    import ctypes
    import ctypes.util

    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return
    m_mmap_threshold = -3
    mallopt(m_mmap_threshold, 1024 * 1024)


# An answer this large, when Django rendered it, leaves its objects behind in
# reference cycles (a DRF response, its view and its request) that only a full
# collection frees: the writing index is 4 MB, a Ghost `limit=all` 18 MB.
LARGE_ANSWER_BYTES = 1_000_000
RENDERED = "writing_api.rendered"  # in the WSGI environ: Django ran


def _note_rendered(sender, environ=None, **kwargs) -> None:
    if environ is not None:
        environ[RENDERED] = True


def post_request(worker, req, environ, resp) -> None:
    """After sending a large answer Django rendered, collect the garbage it left.

    Without this a worker holds several finished answers at a time until the
    collector's own turn: in one process rendering the index 300 times, resident
    memory swung between 116 and 162 MB; collected, it stayed at 113 MB. A
    collection costs about 5 ms (most objects are frozen). A cached answer, sent
    before Django runs, leaves nothing to collect and costs nothing.
    """
    if environ.get(RENDERED) and getattr(resp, "sent", 0) >= LARGE_ANSWER_BYTES:
        import gc

        gc.collect()
