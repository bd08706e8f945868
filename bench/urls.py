"""The app's URLs plus `/bench-hello/`: the baseline of W1, a view that returns a few bytes
through the same middleware, server and session as the pages measured against it."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from kiemdiem.urls import handler400, handler404, handler500  # noqa: F401
from kiemdiem.urls import urlpatterns as app_urls


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Xin chào", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench-hello/", hello), *app_urls]
