import pytest

# The shared scenario's asserts should explain themselves like a test's own.
pytest.register_assert_rewrite("dns_scenario")
