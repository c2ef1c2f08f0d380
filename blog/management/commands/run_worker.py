"""`manage.py run_worker`: deliver webhooks, purge the CDN, publish scheduled posts,
make image renditions.

Run one beside the web server (`make run` does); in production as a second process
(systemd unit, container, Procfile `worker:` line). Several may run at once.
SIGTERM or Ctrl-C finishes the step under way and exits.
"""

import logging
import signal
import threading

from django.core.management.base import BaseCommand

from blog import worker


class Command(BaseCommand):
    help = (
        "Run the background worker: webhooks, CDN purges, scheduled publishes, "
        "image renditions."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Do one round of work and exit."
        )

    def handle(self, *args, once: bool = False, **options) -> None:
        stop = threading.Event()

        def request_stop(signum, frame) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        logging.getLogger("blog").setLevel(logging.INFO)
        self.stdout.write(
            "Worker started: webhooks, CDN purges, scheduled publishes, "
            "image renditions."
        )
        self.stdout.flush()
        worker.run(stop, once=once)
        self.stdout.write("Worker stopped.")
