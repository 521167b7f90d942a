"""The CI example's tests reuse the example company of the people tests."""

from people.conftest import company  # noqa: F401 - a fixture
