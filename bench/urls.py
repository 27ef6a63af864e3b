"""The site's URLs with a trivial Django view in front, for ``page_vs_hello_ratio``."""

from django.http import HttpResponse
from django.urls import include, path


def hello(request):
    return HttpResponse(b"Hello, world.", content_type="text/plain")


urlpatterns = [path("bench-hello/", hello), path("", include("hostsite.urls"))]
