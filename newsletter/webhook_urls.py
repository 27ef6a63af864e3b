"""Anymail's tracking webhooks, mounted at ``/anymail/``, refused unless a secret is configured.

Anymail checks the basic-auth secret (``ANYMAIL_WEBHOOK_SECRET``, as ``user:password``) and the
provider's signature; without a secret it would only warn and accept anyone, so here every
webhook answers 401 until ``ANYMAIL_WEBHOOK_SECRET`` is set.
"""

from __future__ import annotations

from functools import wraps

from anymail.urls import urlpatterns as anymail_urlpatterns
from django.conf import settings
from django.http import HttpResponse
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt

app_name = "anymail"


def require_webhook_secret(view):
    @csrf_exempt
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
            response = HttpResponse("Webhook secret not configured.", status=401)
            response["WWW-Authenticate"] = 'Basic realm="Anymail WEBHOOK_SECRET"'
            return response
        return view(request, *args, **kwargs)

    return guarded


urlpatterns = [
    URLPattern(pattern.pattern, require_webhook_secret(pattern.callback), name=pattern.name)
    for pattern in anymail_urlpatterns
    if isinstance(pattern, URLPattern)
]
