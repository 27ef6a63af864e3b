"""The site's URLs with a trivial Django view in front, for ``page_vs_hello_ratio``.

The site's patterns are copied in, not ``include()``d: they use ``i18n_patterns`` (the /en/ and
/fr/ prefixes), which Django allows only in the root URLconf.
"""

from django.http import HttpResponse
from django.urls import path
from hostsite.urls import urlpatterns as site_urlpatterns


def hello(request):
    return HttpResponse(b"Hello, world.", content_type="text/plain")


urlpatterns = [path("bench-hello/", hello), *site_urlpatterns]
