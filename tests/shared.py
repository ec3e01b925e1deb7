"""Test data built once and shared by the tests of a module or a class, as Django's
``TestCase.setUpTestData`` does, for data that is slow to build (companies go through the
directory's indexing signals).

A fixture of module or class scope builds the data with ``shared_data`` inside a transaction that
is rolled back at its teardown; each test still runs in its own savepoint within it (pytest-django's
``django_db``), so a test that writes leaves the shared rows as they were for the next test, and
no test outside the scope ever sees them. Tests take their own ``copy.deepcopy`` of the objects,
so an attribute changed in one test does not leak into the next.

A module's data can be ``suspended`` for a class of its tests that must not see it (rolled back
before the class and built again after it); the class's fixture asks for the module's one, so
that it runs between tests, outside their transactions.

Only for non-transactional tests (``transaction=True`` would flush the tables under the open
transaction). Every test of the scope sees the data: with module scope, every test of the module
must be one that expects it. The directory engine's in-process index (companies/engine.py) needs
no resetting: it reloads itself whenever the database's clock row moved back or changed generation
(a rollback, or another test's new clock).
"""

import contextlib

from django.db import transaction
from django.test import override_settings
from django.utils import translation

# What tests/conftest.py sets for every test: the shared data is built with the same settings
# (a module-scoped fixture runs before the function-scoped ``settings`` fixture).
TEST_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "RATELIMIT_ENABLE": False,
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}


class SharedData:
    """``build()``'s data (``.data``), made in a transaction that is rolled back when the block
    ends. A module's data can step aside for a class of tests that must not see it (``suspended``):
    rolled back for the class, then built again."""

    def __init__(self, django_db_blocker, build):
        self.blocker, self.build = django_db_blocker, build
        self.atomic = self.data = None

    def __enter__(self):
        with self.blocker.unblock():
            self.atomic = transaction.atomic()
            # As TestCase's class-wide transaction: a durable atomic block in the code under test
            # may still be entered inside it.
            self.atomic._from_testcase = True
            self.atomic.__enter__()
        try:
            with (
                self.blocker.unblock(),
                override_settings(**TEST_SETTINGS),
                translation.override("en"),
            ):
                self.data = self.build()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info):
        if self.atomic is None:  # building it again after ``suspended`` failed
            return
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)
        self.atomic = self.data = None

    @contextlib.contextmanager
    def suspended(self):
        self.__exit__(None, None, None)
        try:
            yield
        finally:
            self.__enter__()


@contextlib.contextmanager
def shared_data(django_db_blocker, build):
    """Yield ``build()``, made in a transaction that is rolled back when the block ends."""
    with SharedData(django_db_blocker, build) as shared:
        yield shared.data
