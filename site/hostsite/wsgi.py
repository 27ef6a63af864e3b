"""WSGI entry point: ``gunicorn --pythonpath site hostsite.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")
application = get_wsgi_application()
