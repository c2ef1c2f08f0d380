from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = "Blog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blog import events, redirects, versioning

        versioning.connect_signals()
        events.connect_signals()
        # After the events' own: a rename's "before" is remembered before the
        # redirect row it writes is saved.
        redirects.connect_signals()
        post_migrate.connect(
            versioning.renew_after_migrate, sender=self, dispatch_uid="renew-version"
        )
