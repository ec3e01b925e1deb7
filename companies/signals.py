"""Keep each company's search document (see companies/search.py) and the directory's facet index
(companies/facet_index.py) current.

A company's document changes when the company is saved, when its classification (capabilities,
materials, sectors, certificates) changes, and when a name it quotes is edited (a capability, a
town…). Bulk writes (bulk_create, QuerySet.update, the demo generator) bypass these signals and call
``rebuild_search_documents`` and ``facet_index.invalidate`` themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import receiver

from portal.models import Cluster, Municipality, Region

from . import facet_index
from .models import (
    Capability,
    Certification,
    Company,
    CompanyCertificate,
    CooperationOffer,
    Material,
    Membership,
    Sector,
    SpokenLanguage,
)
from .search import rebuild_search_documents

# Fields whose change alters the document; other saves (confirm(), a logo) skip the rebuild.
_DOCUMENT_FIELDS = {"name", "business_id", "description", "municipality", "municipality_id"}


def _rebuild(companies):
    rebuild_search_documents(companies)


@receiver(post_save, sender=Company, dispatch_uid="company_search_document")
def company_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    if update_fields is not None and not any(
        field in _DOCUMENT_FIELDS or field.startswith("description_") for field in update_fields
    ):
        return
    _rebuild(Company.objects.filter(pk=instance.pk))


def _classification_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "pre_clear", "post_clear"}:
        return
    if not reverse:
        # company.capabilities.add(…): one company.
        if action != "pre_clear":
            _rebuild(Company.objects.filter(pk=instance.pk))
        return
    # capability.companies.add(company…): the companies named, or all of them on clear.
    if action == "pre_clear":
        instance._search_clear_ids = list(instance.companies.values_list("pk", flat=True))
        return
    ids = pk_set if action != "post_clear" else getattr(instance, "_search_clear_ids", [])
    if ids:
        _rebuild(Company.objects.filter(pk__in=ids))


for _field in ("capabilities", "materials", "sectors"):
    m2m_changed.connect(
        _classification_changed,
        sender=getattr(Company, _field).through,
        dispatch_uid=f"company_{_field}_search_document",
    )


@receiver(post_save, sender=CompanyCertificate, dispatch_uid="certificate_saved_search_document")
@receiver(
    post_delete, sender=CompanyCertificate, dispatch_uid="certificate_deleted_search_document"
)
def certificate_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    _rebuild(Company.objects.filter(pk=instance.company_id))


@receiver(post_save, sender=Capability, dispatch_uid="capability_search_document")
def capability_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw or created:
        return
    # The document quotes a capability's ancestors too: rebuild every company below it.
    _rebuild(Company.objects.filter(capabilities__path__startswith=instance.path).distinct())


@receiver(post_save, sender=Material, dispatch_uid="material_search_document")
@receiver(post_save, sender=Sector, dispatch_uid="sector_search_document")
def classification_renamed(sender, instance, created=False, raw=False, **kwargs):
    if raw or created:
        return
    _rebuild(instance.companies.all())


@receiver(post_save, sender=Certification, dispatch_uid="certification_search_document")
def certification_renamed(sender, instance, created=False, raw=False, **kwargs):
    if raw or created:
        return
    _rebuild(Company.objects.filter(certificates__certification=instance))


@receiver(post_save, sender=Municipality, dispatch_uid="municipality_search_document")
def municipality_renamed(sender, instance, created=False, raw=False, **kwargs):
    if raw or created:
        return
    _rebuild(instance.companies.all())


@receiver(post_save, sender=Region, dispatch_uid="region_search_document")
def region_renamed(sender, instance, created=False, raw=False, **kwargs):
    if raw or created:
        return
    _rebuild(Company.objects.filter(municipality__region=instance))


# --- The directory's facet index (companies/facet_index.py) ---------------------------------
# Any change to what the directory filters, counts, labels or sorts on makes every process
# rebuild its index. Raw saves (loaddata) count too.


def _directory_changed(sender, **kwargs):
    facet_index.invalidate()


def _directory_m2m_changed(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        facet_index.invalidate()


for _model in (
    Company,  # published, name, town, size, updated_at
    Membership,
    CompanyCertificate,
    CooperationOffer,
    Cluster,  # published clusters are the facet's values
    Capability,  # the tree and the labels
    Sector,
    Material,
    Certification,
    SpokenLanguage,
    Municipality,
    Region,
):
    for _signal in (post_save, post_delete):
        _signal.connect(
            _directory_changed,
            sender=_model,
            dispatch_uid=f"facet_index_{_model._meta.label_lower}_{_signal is post_save}",
        )

for _field in ("capabilities", "materials", "sectors", "languages", "clusters"):
    m2m_changed.connect(
        _directory_m2m_changed,
        sender=getattr(Company, _field).through,
        dispatch_uid=f"facet_index_company_{_field}",
    )


def _migrated(sender, **kwargs):
    facet_index.invalidate_local()


# migrate and flush (which test runs use between transactional tests) emit post_migrate.
post_migrate.connect(_migrated, dispatch_uid="facet_index_post_migrate")
