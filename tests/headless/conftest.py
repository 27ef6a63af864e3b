"""The advocacy content builders, for the headless API's tests."""

from tests.advocacy.conftest import appeal, letter_factory, statement, win  # noqa: F401
