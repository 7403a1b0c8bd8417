"""Store tests use the session's SeaweedFS server and fixtures from ``tests/conftest.py``."""

from tests.conftest import ACCESS_KEY_ID, READER, SECRET  # noqa: F401 (re-exported for the tests here)
