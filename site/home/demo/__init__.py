"""Demo content for the host site: ``python manage.py load_demo_content`` builds it.

:mod:`home.demo.content` holds the pages and appeals as plain data (written for the demo,
summarising five public advocacy documents); ``signatories.txt`` lists the open letter's
signatory organisations; :mod:`home.demo.loader` turns both into live Wagtail pages.
"""
