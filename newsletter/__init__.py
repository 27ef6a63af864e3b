"""The newsletter publisher: audience, issues (rendering once), sending and tracking."""

# The distribution's version (pyproject.toml reads it from here; one place only).
__version__ = "0.2.0"
