"""Find partners: companies in other clusters or countries whose capabilities, materials and
certifications fit a company or a cooperation offer, ranked, each with the reason.

Candidates come from the directory engine (companies/engine.py): the union of the bitmaps of the
criteria (a capability's bitmap holds its subtree), minus the source and its own cluster mates in
its own country. When there are more than CANDIDATE_LIMIT of them, the engine ranks them first by
the same weights counted on its bitmaps and keeps the best CANDIDATE_LIMIT. The exact score is
then computed in the database over those candidates only (one query), and the shared items of the
20 best are read with three prefetches: the work does not grow with the size of the directory.

Scoring: the same capability 3, a capability next to it in the tree (its parent or a child,
e.g. "welding" for "TIG welding") 1, the same material 2, the same valid certification 2.
"""

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from pyroaring import BitMap

from . import engine
from .models import (
    Capability,
    Company,
    CompanyCertificate,
    Material,
    Membership,
)

WEIGHT_CAPABILITY = 3
WEIGHT_RELATED_CAPABILITY = 1
WEIGHT_MATERIAL = 2
WEIGHT_CERTIFICATION = 2
LIMIT = 20
CANDIDATE_LIMIT = 2000


@dataclass
class Criteria:
    """What a partner should share with the source, and whom to leave out."""

    capability_ids: set = field(default_factory=set)
    material_ids: set = field(default_factory=set)
    certification_ids: set = field(default_factory=set)
    country: str = ""
    cluster_ids: set = field(default_factory=set)
    exclude_company_id: int | None = None

    @property
    def is_empty(self):
        return not (self.capability_ids or self.material_ids or self.certification_ids)


@dataclass
class PartnerMatch:
    company: Company
    score: int
    shared: list
    related: list
    certifications: list

    @property
    def reason(self):
        parts = []
        if self.shared:
            parts.append(_("shares: %(items)s") % {"items": ", ".join(self.shared)})
        if self.related:
            parts.append(_("related: %(items)s") % {"items": ", ".join(self.related)})
        if self.certifications:
            parts.append(_("holds %(items)s") % {"items": ", ".join(self.certifications)})
        return "; ".join(parts)


def valid_certificates(on=None):
    on = on or timezone.localdate()
    return CompanyCertificate.objects.filter(valid_from__lte=on).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


def criteria_for_company(company):
    return Criteria(
        capability_ids={c.pk for c in company.capabilities.all()},
        material_ids={m.pk for m in company.materials.all()},
        certification_ids=set(
            valid_certificates().filter(company=company).values_list("certification_id", flat=True)
        ),
        country=str(company.country),
        cluster_ids=set(
            Membership.objects.active().filter(company=company).values_list("cluster_id", flat=True)
        ),
        exclude_company_id=company.pk,
    )


def criteria_for_offer(offer):
    criteria = Criteria(
        capability_ids={c.pk for c in offer.capabilities.all()},
        material_ids={m.pk for m in offer.materials.all()},
    )
    if offer.company_id:
        company_criteria = criteria_for_company(offer.company)
        criteria.certification_ids = company_criteria.certification_ids
        criteria.country = company_criteria.country
        criteria.cluster_ids = company_criteria.cluster_ids
        criteria.exclude_company_id = offer.company_id
        if not criteria.capability_ids and not criteria.material_ids:
            # An offer without its own classification stands for its company's.
            criteria.capability_ids = company_criteria.capability_ids
            criteria.material_ids = company_criteria.material_ids
    elif offer.cluster_id:
        criteria.cluster_ids = {offer.cluster_id}
        criteria.country = str(offer.cluster.country)
    return criteria


def related_capability_ids(capability_ids):
    """The parents and children in the tree of ``capability_ids``, without those themselves."""
    if not capability_ids:
        return set()
    sources = list(Capability.objects.filter(pk__in=capability_ids).only("pk", "path"))
    related = set()
    children = Q()
    for capability in sources:
        parts = [int(part) for part in capability.path.strip("/").split("/") if part.isdigit()]
        if len(parts) > 1:
            related.add(parts[-2])
        children |= Q(parent_id=capability.pk)
    related |= set(Capability.objects.filter(children).values_list("pk", flat=True))
    return related - set(capability_ids)


def _count(through_queryset, column):
    """A correlated COUNT of ``through_queryset`` rows for the outer company."""
    counted = (
        through_queryset.filter(**{column: OuterRef("pk")})
        .order_by()
        .values(column)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def candidate_ids(criteria, related_ids, limit=None):
    """The published companies that share something with the criteria (at most ``limit``, the
    best by the bitmaps' count of the weights), as a bitmap of ids."""
    limit = limit or CANDIDATE_LIMIT
    index = engine.current()
    weighted = [
        *((index.bitmap("capability", pk), WEIGHT_CAPABILITY) for pk in criteria.capability_ids),
        *((index.bitmap("capability", pk), WEIGHT_RELATED_CAPABILITY) for pk in related_ids),
        *((index.bitmap("material", pk), WEIGHT_MATERIAL) for pk in criteria.material_ids),
        *(
            (index.bitmap("certification", pk), WEIGHT_CERTIFICATION)
            for pk in criteria.certification_ids
        ),
    ]
    candidates = BitMap.union(BitMap(), *(bitmap for bitmap, _weight in weighted))
    if criteria.exclude_company_id:
        candidates.discard(criteria.exclude_company_id)
    if criteria.cluster_ids and criteria.country:
        # A partner in another cluster or another country: leave out the source's own cluster
        # mates in its own country.
        mates = BitMap.union(
            BitMap(), *(index.bitmap("cluster", pk) for pk in criteria.cluster_ids)
        )
        candidates -= mates & index.bitmap("country", criteria.country)
    if len(candidates) <= limit:
        return candidates
    # Score layers: {score: companies with that score}, adding one weighted bitmap at a time.
    layers = {0: candidates}
    for bitmap, weight in weighted:
        added = {}
        for score, members in layers.items():
            for key, part in ((score + weight, members & bitmap), (score, members - bitmap)):
                if part:
                    added[key] = added[key] | part if key in added else part
        layers = added
    best = BitMap()
    for score in sorted(layers, reverse=True):
        best |= layers[score]
        if len(best) >= limit:
            break
    return best


def find_partners(criteria, limit=LIMIT):
    """The best ``limit`` partners for ``criteria`` as PartnerMatch objects, best first."""
    if criteria.is_empty:
        return []
    capabilities_through = Company.capabilities.through.objects
    materials_through = Company.materials.through.objects
    related_ids = related_capability_ids(criteria.capability_ids)
    certificates = valid_certificates()

    candidates = Company.objects.published().filter(
        pk__in=list(candidate_ids(criteria, related_ids))
    )

    ranked = (
        candidates.annotate(
            shared_capabilities=_count(
                capabilities_through.filter(capability_id__in=criteria.capability_ids), "company_id"
            ),
            related_capabilities=_count(
                capabilities_through.filter(capability_id__in=related_ids), "company_id"
            ),
            shared_materials=_count(
                materials_through.filter(material_id__in=criteria.material_ids), "company_id"
            ),
            shared_certifications=_count(
                certificates.filter(certification_id__in=criteria.certification_ids), "company"
            ),
        )
        .annotate(
            score=WEIGHT_CAPABILITY * Coalesce("shared_capabilities", 0)
            + WEIGHT_RELATED_CAPABILITY * Coalesce("related_capabilities", 0)
            + WEIGHT_MATERIAL * Coalesce("shared_materials", 0)
            + WEIGHT_CERTIFICATION * Coalesce("shared_certifications", 0)
        )
        .filter(score__gt=0)
        .select_related("municipality")
        .prefetch_related(
            Prefetch(
                "capabilities",
                queryset=Capability.objects.filter(pk__in=criteria.capability_ids | related_ids),
                to_attr="matching_capabilities",
            ),
            Prefetch(
                "materials",
                queryset=Material.objects.filter(pk__in=criteria.material_ids),
                to_attr="matching_materials",
            ),
            Prefetch(
                "certificates",
                queryset=certificates.filter(
                    certification_id__in=criteria.certification_ids
                ).select_related("certification"),
                to_attr="matching_certificates",
            ),
        )
        .order_by("-score", "name", "pk")[:limit]
    )
    matches = []
    for company in ranked:
        shared = [c.name for c in company.matching_capabilities if c.pk in criteria.capability_ids]
        related = [
            c.name for c in company.matching_capabilities if c.pk not in criteria.capability_ids
        ]
        shared += [m.name for m in company.matching_materials]
        certifications = sorted(c.certification.code for c in company.matching_certificates)
        matches.append(
            PartnerMatch(
                company=company,
                score=company.score,
                shared=shared,
                related=related,
                certifications=certifications,
            )
        )
    return matches
