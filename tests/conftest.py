from __future__ import annotations

import pytest

# Fixtures of the tests on real platforms (swarm, kubernetes, stack_name, k8s_namespace...).
pytest_plugins = ["platforms_fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/*/expected from the current translators")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
