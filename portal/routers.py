"""Database routing for a deployment with a read replica (``DATABASE_REPLICA_URL``).

The directory engine's tables are read from the replica: they are what every directory, search
and cluster page reads, and a replica lagging a second behind is within the directory's promise
(an edit shows within 2 s). Everything else, and every write (the engine writes on the primary
explicitly), stays on the primary, so an editor always reads what they just saved.
"""

REPLICA = "replica"
DIRECTORY_MODELS = {
    "companies.directoryentry",
    "companies.directorybitmap",
    "companies.directorystate",
}


class DirectoryReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if model._meta.label_lower in DIRECTORY_MODELS else None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's schema through replication.
        return db != REPLICA
