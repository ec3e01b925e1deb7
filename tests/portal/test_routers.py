"""The read-replica router: the directory engine's reads go to the replica, nothing else does."""

from companies.models import Company, DirectoryBitmap, DirectoryEntry, DirectoryState
from portal.routers import REPLICA, DirectoryReplicaRouter


def test_directory_reads_go_to_the_replica_and_writes_do_not():
    router = DirectoryReplicaRouter()
    for model in (DirectoryEntry, DirectoryBitmap, DirectoryState):
        assert router.db_for_read(model) == REPLICA
        assert router.db_for_write(model) is None
    assert router.db_for_read(Company) is None


def test_nothing_is_migrated_on_the_replica():
    router = DirectoryReplicaRouter()
    assert router.allow_migrate(REPLICA, "companies") is False
    assert router.allow_migrate("default", "companies") is True


def test_replica_setting_adds_a_mirrored_database(monkeypatch):
    import importlib

    import portal.settings

    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader@replica.example.org:5432/portal")
    try:
        reloaded = importlib.reload(portal.settings)
        assert reloaded.DATABASES["replica"]["HOST"] == "replica.example.org"
        assert reloaded.DATABASES["replica"]["TEST"] == {"MIRROR": "default"}
        assert reloaded.DATABASE_ROUTERS == ["portal.routers.DirectoryReplicaRouter"]
    finally:
        monkeypatch.delenv("DATABASE_REPLICA_URL")
        importlib.reload(portal.settings)
