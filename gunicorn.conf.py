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
    """
    import gc
    from importlib import import_module

    from django.conf import settings

    if not settings.configured:  # another WSGI app served from this folder
        return
    import_module(settings.ROOT_URLCONF)  # and with it the views, the serializers
    gc.collect()
    gc.freeze()
