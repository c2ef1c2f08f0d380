from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """Not an app of models: it registers the project's system checks."""

    name = "config"
    verbose_name = "Project configuration"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the checks)
