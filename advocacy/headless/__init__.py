"""The advocacy content in the headless API (Wagtail API v3, Django Ninja).

Typed ``api_fields`` serializers (:mod:`~advocacy.headless.fields`) make Wagtail's own
``/api/v3/pages/`` endpoints describe every field; :mod:`~advocacy.headless.content` adds
listings with cards and filters, and a letter's signatories page by page. The routes are
registered on Wagtail's v3 API by :meth:`advocacy.apps.AdvocacyConfig.ready`.
"""
