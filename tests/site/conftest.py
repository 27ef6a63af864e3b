"""The advocacy content builders, for tests of the plugin's pages inside the host project."""

from tests.advocacy.conftest import letter_factory, statement, win  # noqa: F401
