""" "Suggested for you": the event's other participants ranked for one participant, each with the
reason, in the words of partner matching (companies/matching.py): "shares: laser cutting; needs
what you offer: stainless welding; offers what you need: sheet metal".

Pure Python over profiles loaded once with their details (``candidates``): the ranking makes no
query of its own, however many participants the event has.

What a participant offers is their profile's capabilities and their company's; a capability
offered covers a need for itself or for any capability above it in the tree (TIG welding
answers a need for welding). Scoring: a need of yours they offer 3, a need of theirs you
offer 3, a material you seek in their company's range 2, a certification you seek that their
company holds 2, a capability you share 1.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from companies.matching import valid_certificates

from .models import MatchmakingProfile

WEIGHT_OFFERS_WHAT_YOU_NEED = 3
WEIGHT_NEEDS_WHAT_YOU_OFFER = 3
WEIGHT_MATERIAL = 2
WEIGHT_CERTIFICATION = 2
WEIGHT_SHARED = 1
LIMIT = 10


@dataclass
class Suggestion:
    profile: MatchmakingProfile
    score: int
    shares: list = field(default_factory=list)
    needs_what_you_offer: list = field(default_factory=list)
    offers_what_you_need: list = field(default_factory=list)
    holds: list = field(default_factory=list)

    @property
    def reason(self):
        parts = []
        if self.shares:
            parts.append(_("shares: %(items)s") % {"items": ", ".join(self.shares)})
        if self.needs_what_you_offer:
            parts.append(
                _("needs what you offer: %(items)s")
                % {"items": ", ".join(self.needs_what_you_offer)}
            )
        if self.offers_what_you_need:
            parts.append(
                _("offers what you need: %(items)s")
                % {"items": ", ".join(self.offers_what_you_need)}
            )
        if self.holds:
            parts.append(_("holds %(items)s") % {"items": ", ".join(self.holds)})
        return "; ".join(parts)


def detailed(queryset):
    """``queryset`` of profiles with everything the ranking and the cards read."""
    return queryset.with_details().prefetch_related(
        Prefetch(
            "company__certificates",
            queryset=valid_certificates().select_related("certification"),
            to_attr="matchmaking_certificates",
        )
    )


def candidates(event):
    """The event's visible profiles, with their details."""
    return detailed(MatchmakingProfile.objects.visible().filter(event=event))


def offered(profile):
    """``{capability id: capability}`` a profile offers: its own and its company's."""
    found = {capability.pk: capability for capability in profile.offered_capabilities.all()}
    if profile.company_id:
        for capability in profile.company.capabilities.all():
            found.setdefault(capability.pk, capability)
    return found


def _materials(profile):
    if not profile.company_id:
        return {}
    return {material.pk: material for material in profile.company.materials.all()}


def _certifications(profile):
    if not profile.company_id:
        return {}
    certificates = getattr(profile.company, "matchmaking_certificates", None)
    if certificates is None:  # a profile not loaded by ``candidates``: no claim made
        return {}
    return {certificate.certification_id: certificate.certification for certificate in certificates}


def _covers(capability, need):
    """An offered ``capability`` answers ``need`` when it is the need or below it in the tree."""
    if capability.pk == need.pk:
        return True
    return bool(need.path) and capability.path.startswith(need.path)


def _answering(offers, needs):
    """The offered capabilities that answer some of ``needs``, by name."""
    return {
        capability.pk: capability
        for capability in offers.values()
        if any(_covers(capability, need) for need in needs)
    }


def _names(objects):
    return sorted({str(obj) for obj in objects}, key=str.casefold)


def rank(me, profile, mine=None):
    """The suggestion of ``profile`` for ``me`` (score 0: nothing in common)."""
    mine = mine if mine is not None else offered(me)
    theirs = offered(profile)
    my_needs = list(me.sought_capabilities.all())
    their_needs = list(profile.sought_capabilities.all())
    they_answer = _answering(theirs, my_needs)
    i_answer = _answering(mine, their_needs)
    shared = {pk: capability for pk, capability in mine.items() if pk in theirs}
    their_materials = _materials(profile)
    materials = [m for m in me.sought_materials.all() if m.pk in their_materials]
    their_certifications = _certifications(profile)
    holds = [c for c in me.sought_certifications.all() if c.pk in their_certifications]
    score = (
        WEIGHT_OFFERS_WHAT_YOU_NEED * len(they_answer)
        + WEIGHT_NEEDS_WHAT_YOU_OFFER * len(i_answer)
        + WEIGHT_MATERIAL * len(materials)
        + WEIGHT_CERTIFICATION * len(holds)
        + WEIGHT_SHARED * len(shared)
    )
    return Suggestion(
        profile=profile,
        score=score,
        shares=_names(shared.values()),
        needs_what_you_offer=_names(i_answer.values()),
        offers_what_you_need=_names([*they_answer.values(), *materials]),
        holds=sorted({certification.code for certification in holds}),
    )


def suggest(me, profiles, *, exclude=(), limit=LIMIT):
    """The best ``limit`` suggestions for ``me`` among ``profiles`` (loaded by ``candidates``),
    best first: never ``me``, a colleague of the same company or a profile in ``exclude`` (ids,
    e.g. those ``me`` already has a request with)."""
    mine = offered(me)
    excluded = set(exclude) | {me.pk}
    found = []
    for profile in profiles:
        if profile.pk in excluded:
            continue
        if me.company_id and profile.company_id == me.company_id:
            continue
        suggestion = rank(me, profile, mine)
        if suggestion.score > 0:
            found.append(suggestion)
    found.sort(key=lambda s: (-s.score, s.profile.display_name.casefold(), s.profile.pk))
    return found[:limit]
