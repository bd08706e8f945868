"""The app's URLs plus `/bench-hello/`: the baseline of W1, a view that returns a few bytes
through the same middleware, server and session as the pages measured against it (it never
reads the session: no query at all); and `/bench-hello-user/`, which reads the user."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from kiemdiem.urls import handler400, handler404, handler500  # noqa: F401
from kiemdiem.urls import urlpatterns as app_urls


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Xin chào", content_type="text/plain; charset=utf-8")


def hello_user(request: HttpRequest) -> HttpResponse:
    """The same, after reading the signed-in user (the session and user rows every page reads):
    the ceiling of any page behind the login."""
    return HttpResponse(f"Xin chào {request.user.get_username()}", content_type="text/plain")


urlpatterns = [path("bench-hello/", hello), path("bench-hello-user/", hello_user), *app_urls]
