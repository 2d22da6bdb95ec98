"""The browser's middleware, skipped by API calls.

Sessions and the admin's user and messages serve the pages a browser opens (the admin).
A call under ``/api/v1/`` authenticates by bearer token and sets no cookie, so for it
these only cost time (with CSRF's and the framing header's, which stay as Django ships
them for ``check --deploy``: about 0.1 ms of every request, measured in-process on a
detail read): each of them passes it straight through.
"""

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware

API_PATH_PREFIX = "/api/v1/"


class BrowserOnly:
    """Mixed into a ``MiddlewareMixin`` middleware: API calls pass straight through."""

    def __call__(self, request):
        if request.path_info.startswith(API_PATH_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class BrowserSessionMiddleware(BrowserOnly, SessionMiddleware):
    pass


class BrowserAuthenticationMiddleware(BrowserOnly, AuthenticationMiddleware):
    pass


class BrowserMessageMiddleware(BrowserOnly, MessageMiddleware):
    pass
