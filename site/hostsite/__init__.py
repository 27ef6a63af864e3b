"""The host project that runs the advocacy and newsletter apps.

The folder on disk is ``site/`` (as the design card asks) but the Python package is
``hostsite``: ``site`` is a standard-library module that Python imports at start-up,
so a package of that name could never be imported.
"""
