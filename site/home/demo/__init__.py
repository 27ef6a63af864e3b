"""Demo content for the host site: ``python manage.py load_demo_content`` builds it.

The content itself is data in ``data/`` (TOML files and ``signatories.txt``, written for the
demo, summarising five public advocacy documents; see ``data/README.md``).
:mod:`home.demo.content` reads and checks it, :mod:`home.demo.blocks` turns body text into
StreamField blocks, and :mod:`home.demo.loader` builds the live Wagtail pages from it.
"""


class DemoContentError(Exception):
    """The demo data is invalid, or the database holds something it cannot build on."""
