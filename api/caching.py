"""The response cache in front of Django (filled in by the caching work)."""


class CachedResponseApp:
    def __init__(self, application) -> None:
        self.application = application

    def __call__(self, environ, start_response):
        return self.application(environ, start_response)
