"""The headless API (Wagtail API v3, Django Ninja): typed pieces every content type shares.

* :mod:`~newsletter.headless.schemas`: images with renditions, page links and cards;
* :mod:`~newsletter.headless.streams`: one schema per StreamField block type, and the values
  that match it;
* :mod:`~newsletter.headless.fields`: ``api_fields`` serializers whose return types Wagtail's
  API v3 reads, so every project field is typed in ``/api/v3/openapi.json``.

The newsletter's own routes (issues, the archive, subscribing) are registered on Wagtail's v3
API by :meth:`newsletter.apps.NewsletterConfig.ready`.
"""
