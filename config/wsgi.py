"""WSGI entry point: gunicorn serves `config.wsgi:application`.

The response cache sits in front of Django itself, so a cached answer or a 304 costs
one cache round trip and none of Django's request machinery.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_wsgi_application()

from api.caching import CachedResponseApp  # noqa: E402  (needs Django set up)

application = CachedResponseApp(django_application)
