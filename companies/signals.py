"""Keep the directory's tables (companies/indexing.py) current, in the transaction of each edit.

A save, a membership, a certificate, an offer or a classification change refreshes the companies
it concerns, and only those. Renaming a capability, a material, a town… refreshes the companies
that quote it (their documents change) and tells workers to reload the labels. Bulk writes that
bypass signals (``bulk_create``, ``QuerySet.update``, COPY) call ``indexing.refresh(ids)`` or
``manage.py rebuild_directory`` themselves; raw saves (loaddata) are left to the rebuild that
``setup_portal`` runs after loading fixtures.
"""

from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_init,
    post_migrate,
    post_save,
    pre_delete,
)
from django.dispatch import receiver

from clusters.models import Cluster, Municipality, Region

from . import indexing
from .models import (
    Capability,
    Certification,
    Company,
    CompanyCertificate,
    DirectoryState,
    Material,
    Membership,
    Sector,
    SpokenLanguage,
)


@receiver(post_save, sender=Company, dispatch_uid="directory_company_saved")
def company_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        indexing.refresh([instance.pk])


@receiver(pre_delete, sender=Company, dispatch_uid="directory_company_deleting")
def company_deleting(sender, instance, **kwargs):
    # Its memberships and certificates go first; refreshing it for each would be wasted work.
    indexing.deleting_ids().add(instance.pk)


@receiver(post_delete, sender=Company, dispatch_uid="directory_company_deleted")
def company_deleted(sender, instance, **kwargs):
    indexing.deleting_ids().discard(instance.pk)
    indexing.remove([instance.pk])


def _relation_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:  # company.capabilities.add(…): one company
        if action in {"post_add", "post_remove", "post_clear"}:
            indexing.refresh([instance.pk])
        return
    # capability.companies.add(company…): the companies named, or all of them on clear.
    if action == "pre_clear":
        through = sender.objects.filter(**{f"{type(instance)._meta.model_name}": instance})
        instance._directory_clear_ids = list(through.values_list("company_id", flat=True))
    elif action == "post_clear":
        indexing.refresh(getattr(instance, "_directory_clear_ids", []))
    elif action in {"post_add", "post_remove"}:
        indexing.refresh(pk_set or [])


for _field in ("capabilities", "materials", "sectors", "languages", "clusters"):
    m2m_changed.connect(
        _relation_changed,
        sender=getattr(Company, _field).through,
        dispatch_uid=f"directory_company_{_field}",
    )


# A membership, a certificate or an offer concerns its company, and the one it had when loaded
# (moved to another company, both change).


def _part_loaded(sender, instance, **kwargs):
    instance._directory_company_id = instance.company_id


def _part_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        indexing.refresh({instance.company_id, getattr(instance, "_directory_company_id", None)})
        instance._directory_company_id = instance.company_id


def watch_company_part(model):
    """Refresh the directory entry of the company a ``model`` row belongs to (both companies when
    the row moves). Apps whose rows feed the directory call this from ``AppConfig.ready()``."""
    uid = f"directory_{model._meta.label_lower}"
    post_init.connect(_part_loaded, sender=model, dispatch_uid=f"{uid}_init")
    post_save.connect(_part_changed, sender=model, dispatch_uid=f"{uid}_save")
    post_delete.connect(_part_changed, sender=model, dispatch_uid=f"{uid}_delete")


for _model in (Membership, CompanyCertificate):
    watch_company_part(_model)


# --- Names the documents quote, and the facets' labels ---------------------------------------


def _renamed(companies):
    def handler(sender, instance, created=False, raw=False, **kwargs):
        if raw:
            return
        indexing.bump_vocabulary()  # first: the refresh must read the new names
        if not created:
            indexing.refresh(companies(instance).values_list("pk", flat=True).distinct())

    return handler


_QUOTED = {
    # The document quotes a capability's ancestors too: every company below it.
    Capability: lambda c: Company.objects.filter(capabilities__path__startswith=c.path),
    Material: lambda m: m.companies.all(),
    Sector: lambda s: s.companies.all(),
    Certification: lambda c: Company.objects.filter(certificates__certification=c),
    Municipality: lambda m: m.companies.all(),
    Region: lambda r: Company.objects.filter(municipality__region=r),
}
for _model, _companies in _QUOTED.items():
    post_save.connect(
        _renamed(_companies), sender=_model, weak=False, dispatch_uid=f"directory_{_model.__name__}"
    )


# Deleting a classification deletes its link rows without m2m signals: its companies are noted
# before and refreshed after.
_LINKED = {
    Capability: lambda c: c.companies.all(),
    Material: lambda m: m.companies.all(),
    Sector: lambda s: s.companies.all(),
    SpokenLanguage: lambda language: language.company_set.all(),
}


def _linked_deleting(sender, instance, **kwargs):
    instance._directory_company_ids = list(_LINKED[sender](instance).values_list("pk", flat=True))


def _linked_deleted(sender, instance, **kwargs):
    indexing.bump_vocabulary()
    indexing.refresh(getattr(instance, "_directory_company_ids", []))


for _model in _LINKED:
    pre_delete.connect(
        _linked_deleting, sender=_model, dispatch_uid=f"directory_deleting_{_model.__name__}"
    )
    post_delete.connect(
        _linked_deleted, sender=_model, dispatch_uid=f"directory_linked_{_model.__name__}"
    )


def _labels_changed(sender, raw=False, **kwargs):
    if not raw:
        indexing.bump_vocabulary()


for _model in (Cluster, SpokenLanguage):
    post_save.connect(_labels_changed, sender=_model, dispatch_uid=f"directory_{_model.__name__}")
for _model in (Cluster, *(model for model in _QUOTED if model not in _LINKED)):
    post_delete.connect(
        _labels_changed, sender=_model, dispatch_uid=f"directory_deleted_{_model.__name__}"
    )


def _migrated(sender, using, **kwargs):
    """After the migration that creates the directory's tables, fill them once."""
    if sender.name == "companies" and not DirectoryState.objects.using(using).exists():
        if Company.objects.using(using).exists():
            indexing.rebuild_all(using=using)


post_migrate.connect(_migrated, dispatch_uid="directory_after_migrate")
