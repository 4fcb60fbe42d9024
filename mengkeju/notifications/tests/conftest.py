import pytest

from .smtp_server import local_smtp


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free local port; Django's SMTP backend sends to it."""
    with local_smtp() as inbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", inbox.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.NOTIFY_BY_EMAIL = True
        settings.SITE_URL = "https://mkj.example.cn"
        yield inbox
