import copy

import pytest

from tests.shared import SharedData

from .world import make_world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Built once per module (and xdist worker) for the tests that ask for it (tests/shared.py)."""
    with SharedData(django_db_blocker, make_world) as shared:
        yield shared


@pytest.fixture
def world(shared_world):
    return copy.deepcopy(shared_world.data)


@pytest.fixture
def api(client):
    """GET an API URL and return the response (its JSON as ``.json()``)."""

    def get(url, data=None, **extra):
        return client.get(url, data, **extra)

    return get
