"""The matchmaking day of the seed content, alive on the quick start.

``seed_matchmaking(seed=…, today=…)`` gives the "Cross-Kvarken cleantech matchmaking day"
(fixtures/content.json) 40 participants with profiles (what they offer and seek, capabilities,
materials and certificates sought, languages), a morning of 20-minute slots at 12 tables (the
programme's first round, 10:00–12:00 in the event's time zone), meeting requests in every state
and the meetings of the accepted ones, placed by the portal's own scheduler. Once the event is
over relative to ``today``, the participants have answered the survey (held or not, outcome), and
six months after it the second survey too; before the event nobody has, and no request is still
pending after the organiser's deadline.

Invented people: names from Faker in the participant's language (Swedish, Finnish or English),
addresses @example.org only. Companies come from the demo directory: the members of the event's
cluster first, then other companies of the cluster's home area (Ostrobothnia and Västerbotten),
then invented organisations when the directory has no more. Runs once: an event that already
has matchmaking participants is left alone. Deterministic for a seed and ``today`` (the private
links excepted: they are random, as everywhere). No e-mail is sent.
"""

import datetime
import random

from django.db import transaction
from django.db.models import Q
from faker import Faker

from clusters.slugs import ascii_slug
from companies.models import Capability, Certification, Company, Material, SpokenLanguage
from events.matchmaking import scheduler
from events.matchmaking.services import SECOND_SURVEY_AFTER
from events.models import (
    Event,
    MatchmakingProfile,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
    Registration,
)

from .text import join_items, lower_first, translated
from .words import (
    CAPABILITY_KEYWORDS,
    CERTIFICATION_KINDS,
    CLUSTER_AREAS,
    FAKER_LOCALES,
    MATERIAL_CATEGORIES,
)

EVENT_SLUG = "cross-kvarken-cleantech-matchmaking-2027"
PARTICIPANTS = 40
TABLES = 12
SLOT_MINUTES = 20
FIRST_ROUND = (datetime.time(10), datetime.time(12))  # "10:00 Matchmaking meetings, round 1"
LANGUAGES = ("sv", "fi", "en")
# How many requests end in each state; the accepted ones get a meeting where a slot is free.
REQUESTS = {"accepted": 58, "pending": 16, "declined": 12, "expired": 10, "cancelled": 10}
DAY = datetime.timedelta(days=1)

AREA = {"en": "the Kvarken region", "sv": "Kvarkenregionen", "fi": "Merenkurkun alue"}
PRESENTATION = {
    "en": "{organisation}, {town}. We work with {items}, and came to meet partners from the "
    "other side of the Kvarken.",
    "sv": "{organisation}, {town}. Vi arbetar med {items} och vill träffa partner från andra "
    "sidan Kvarken.",
    "fi": "{organisation}, {town}. Osaamisalueemme: {items}. Haemme kumppaneita Merenkurkun "
    "toiselta puolelta.",
}
OFFERS = {
    "en": "{items} for industry, energy companies and municipalities.",
    "sv": "{items} för industri, energibolag och kommuner.",
    "fi": "{items} teollisuudelle, energiayhtiöille ja kunnille.",
}
NEEDS = {
    "en": [
        "A partner for {item} in Sweden or Finland.",
        "Subcontractors for {item}, for projects starting this year.",
        "Pilot customers for our solutions, and a reseller on the other side of the Kvarken.",
    ],
    "sv": [
        "En partner inom {item} i Sverige eller Finland.",
        "Underleverantörer inom {item} för projekt som startar i år.",
        "Pilotkunder för våra lösningar och en återförsäljare på andra sidan Kvarken.",
    ],
    "fi": [
        "Kumppani Ruotsista tai Suomesta, osaamisalue: {item}.",
        "Alihankkijoita tänä vuonna alkaviin hankkeisiin, osaamisalue: {item}.",
        "Pilottiasiakkaita ratkaisuillemme ja jälleenmyyjä Merenkurkun toiselta puolelta.",
    ],
}
MESSAGES = {
    "en": [
        "We are looking for exactly what you offer. Could we meet?",
        "Interested in a joint project – 20 minutes would be great.",
        "Could we talk about deliveries to our plant next year?",
        "",
    ],
    "sv": [
        "Vi söker precis det ni erbjuder. Kan vi ses?",
        "Intresserade av ett gemensamt projekt – 20 minuter vore utmärkt.",
        "Kan vi prata om leveranser till vår anläggning nästa år?",
        "",
    ],
    "fi": [
        "Etsimme juuri sitä, mitä tarjoatte. Voisimmeko tavata?",
        "Yhteinen hanke kiinnostaisi – 20 minuuttia riittää hyvin.",
        "Voisimmeko jutella ensi vuoden toimituksista laitoksellemme?",
        "",
    ],
}
NOTES = {
    "en": ["We sent them an offer the week after.", "A site visit is planned in spring."],
    "sv": ["Vi skickade en offert veckan efter.", "Ett studiebesök är inplanerat i vår."],
    "fi": ["Lähetimme tarjouksen viikon päästä.", "Tehdasvierailu on sovittu keväälle."],
}
OUTCOMES = [("none", 60), ("follow_up", 25), ("negotiation", 10), ("agreement", 5)]
LATER_OUTCOMES = {  # what a held meeting's outcome may have become six months later
    "none": ["none", "none", "follow_up"],
    "follow_up": ["follow_up", "negotiation", "none"],
    "negotiation": ["negotiation", "agreement", "agreement"],
    "agreement": ["agreement"],
}


def seed_matchmaking(*, seed, today, slug=EVENT_SLUG):
    """Fill the matchmaking event ``slug``; returns the number of participants created (0 when
    the event is missing or already has participants)."""
    event = Event.objects.filter(slug=slug).select_related("cluster").first()
    if event is None or event.matchmaking_profiles.exists():
        return 0
    with transaction.atomic():
        return _Day(event, seed, today).make()


class _Day:
    def __init__(self, event, seed, today):
        self.event = event
        self.rng = random.Random(f"matchmaking-{seed}")
        # Everything happened before the start of ``today`` in the event's time zone.
        self.now = datetime.datetime.combine(today, datetime.time(0), tzinfo=event.tz)
        self.fakers = {}
        for offset, language in enumerate(LANGUAGES):
            self.fakers[language] = Faker(FAKER_LOCALES[language])
            self.fakers[language].seed_instance(seed * 313 + offset)

    def make(self):
        self.prepare_event()
        self.slots = self.make_slots()
        profiles = self.make_participants()
        requests = self.make_requests(profiles)
        meetings = self.make_meetings(profiles, requests)
        if self.now >= self.event.ends_at:
            self.answer_surveys(meetings, profiles)
        return len(profiles)

    # --- The event and its slots -------------------------------------------------------------

    def prepare_event(self):
        event = self.event
        event.kind = Event.Kind.MATCHMAKING
        if self.now < event.starts_at:
            event.registration_open = True
        if event.matchmaking_deadline is None:  # two days before, at 16:00 local time
            day = event.local_starts_at.date() - 2 * DAY
            event.matchmaking_deadline = datetime.datetime.combine(
                day, datetime.time(16), tzinfo=event.tz
            )
        event.save(update_fields=["kind", "registration_open", "matchmaking_deadline"])
        self.deadline = event.request_deadline()
        self.closed = self.now >= self.deadline

    def make_slots(self):
        existing = list(MeetingSlot.objects.filter(event=self.event).order_by("starts_at"))
        if existing:
            return existing
        day = self.event.local_starts_at.date()
        start, end = (
            datetime.datetime.combine(day, moment, tzinfo=self.event.tz) for moment in FIRST_ROUND
        )
        length = datetime.timedelta(minutes=SLOT_MINUTES)
        slots = []
        while start + length <= end:
            slots.append(
                MeetingSlot(
                    event=self.event, starts_at=start, ends_at=start + length, tables=TABLES
                )
            )
            start += length
        return MeetingSlot.objects.bulk_create(slots)

    # --- Participants --------------------------------------------------------------------------

    def companies(self):
        """The event's cluster's members, then the other companies of its home area."""
        cluster = self.event.cluster
        if cluster is None:
            return []
        found = Company.objects.prefetch_related("capabilities").select_related(
            "municipality__region"
        )
        members = list(
            found.filter(memberships__cluster=cluster, memberships__is_active=True)
            .order_by("pk")
            .distinct()
        )
        area = CLUSTER_AREAS.get(cluster.slug, {}).get("home", {})
        nearby = list(
            found.filter(
                Q(municipality__region__slug__in=area.get("regions", ()))
                | Q(municipality__slug__in=area.get("towns", ()))
            )
            .exclude(pk__in=[company.pk for company in members])
            .order_by("pk")[: PARTICIPANTS * 3]
        )
        cleantech = self.capability_pool

        def fits(company):  # works with cleantech capabilities
            return bool(set(company.capabilities.all()) & set(cleantech))

        return members + [c for c in nearby if fits(c)] + [c for c in nearby if not fits(c)]

    def language(self, company):
        rng = self.rng
        if rng.random() < 0.15:
            return "en"
        if company is None:
            return rng.choice(["sv", "fi"])
        if company.country.code == "SE":
            return "sv"
        swedish_form = company.name.endswith(" Ab") or company.name.startswith("Oy ")
        return "sv" if swedish_form or rng.random() < 0.2 else "fi"

    def make_participants(self):
        rng = self.rng
        capabilities = list(Capability.objects.order_by("pk"))
        keywords = CAPABILITY_KEYWORDS["cleantech"]
        self.capability_pool = [
            c for c in capabilities if any(k in (c.name_en or c.name).lower() for k in keywords)
        ] or capabilities
        companies = self.companies()[:PARTICIPANTS]
        spoken = {language.code: language for language in SpokenLanguage.objects.all()}
        emails, registrations, details = set(), [], []
        for index in range(PARTICIPANTS):
            company = companies[index] if index < len(companies) else None
            language = self.language(company)
            faker = self.fakers[language]
            first, last = faker.first_name(), faker.last_name()
            email = f"{ascii_slug(first)}.{ascii_slug(last)}@example.org"
            number = 2
            while email in emails:
                email = f"{ascii_slug(first)}.{ascii_slug(last)}{number}@example.org"
                number += 1
            emails.add(email)
            organisation = company.name if company else faker.company()
            registrations.append(
                Registration(
                    event=self.event,
                    name=f"{first} {last}",
                    organization_name=organisation,
                    email=email,
                    language=language,
                )
            )
            offered = list(company.capabilities.all())[:3] if company else []
            if not offered and self.capability_pool:
                offered = rng.sample(self.capability_pool, min(2, len(self.capability_pool)))
            details.append((company, language, organisation, offered))
        registrations = Registration.objects.bulk_create(registrations)
        profiles = MatchmakingProfile.objects.bulk_create(
            MatchmakingProfile(
                registration=registration,
                event=self.event,
                company=company,
                **self.texts(company, language, organisation, offered),
            )
            for registration, (company, language, organisation, offered) in zip(
                registrations, details, strict=True
            )
        )
        self.relate(profiles, [offered for *_rest, offered in details], spoken)
        return profiles

    def texts(self, company, language, organisation, offered):
        rng = self.rng
        names = [lower_first(translated(c, "name", language)) for c in offered]
        items = join_items(names, language) if names else AREA[language]
        town = translated(company.municipality, "name", language) if company else AREA[language]
        offers = OFFERS[language].format(items=items) if names else ""
        needs = rng.choice(NEEDS[language]) if self.capability_pool else NEEDS[language][-1]
        if "{item}" in needs:
            wanted = rng.choice(self.capability_pool)
            needs = needs.format(item=lower_first(translated(wanted, "name", language)))
        return {
            "presentation": PRESENTATION[language].format(
                organisation=organisation, town=town, items=items
            ),
            "offers": offers[:1].upper() + offers[1:],
            "needs": needs,
        }

    def relate(self, profiles, offered, spoken):
        """The profiles' many-to-many fields: capabilities offered and sought, materials and
        certifications sought, languages spoken, slots they cannot attend."""
        rng, through = self.rng, MatchmakingProfile
        materials = list(
            Material.objects.filter(category__in=MATERIAL_CATEGORIES["cleantech"]).order_by("pk")
        )
        certifications = list(
            Certification.objects.filter(kind__in=CERTIFICATION_KINDS["cleantech"]).order_by("pk")
        )
        everything_offered = sorted({c.pk for caps in offered for c in caps})
        rows = {name: [] for name in ("offered", "sought", "materials", "certs", "langs", "off")}
        for profile, caps in zip(profiles, offered, strict=True):
            rows["offered"] += [(profile.pk, c.pk) for c in caps]
            others = [pk for pk in everything_offered if pk not in {c.pk for c in caps}]
            rows["sought"] += [(profile.pk, pk) for pk in rng.sample(others, min(2, len(others)))]
            if materials and rng.random() < 0.4:
                rows["materials"].append((profile.pk, rng.choice(materials).pk))
            if certifications and rng.random() < 0.3:
                rows["certs"].append((profile.pk, rng.choice(certifications).pk))
            codes = {profile.registration.language, "en"}
            if rng.random() < 0.5:
                codes.add("sv" if profile.registration.language == "fi" else "fi")
            rows["langs"] += [(profile.pk, spoken[code].pk) for code in sorted(codes & set(spoken))]
            if rng.random() < 0.15 and len(self.slots) > 2:  # arrives late or leaves early
                count = rng.randint(1, 2)
                away = self.slots[:count] if rng.random() < 0.5 else self.slots[-count:]
                rows["off"] += [(profile.pk, slot.pk) for slot in away]
        for field, key, target in [
            ("offered_capabilities", "offered", "capability_id"),
            ("sought_capabilities", "sought", "capability_id"),
            ("sought_materials", "materials", "material_id"),
            ("sought_certifications", "certs", "certification_id"),
            ("languages", "langs", "spokenlanguage_id"),
            ("unavailable_slots", "off", "meetingslot_id"),
        ]:
            model = getattr(through, field).through
            model.objects.bulk_create(
                model(matchmakingprofile_id=profile_id, **{target: other_id})
                for profile_id, other_id in rows[key]
            )

    # --- Requests and meetings -----------------------------------------------------------------

    def make_requests(self, profiles):
        """Requests between distinct pairs, popular participants asked more often."""
        rng = self.rng
        weights = [1 / rank**0.7 for rank in range(1, len(profiles) + 1)]
        rng.shuffle(weights)
        statuses = [status for status, count in REQUESTS.items() for _ in range(count)]
        rng.shuffle(statuses)
        pairs, requests = set(), []
        for status in statuses:
            while True:
                sender = rng.choice(profiles)
                receiver = rng.choices(profiles, weights)[0]
                if sender != receiver and frozenset((sender.pk, receiver.pk)) not in pairs:
                    break
            pairs.add(frozenset((sender.pk, receiver.pk)))
            if status == "pending" and self.closed:
                status = "expired"  # nothing waits for an answer after the deadline
            requests.append(self.request(sender, receiver, status))
        created = MeetingRequest.objects.bulk_create(requests)
        # auto_now_add gave them the time of seeding: the times they were made, as generated.
        for request in created:
            request.created_at = request.updated_at = request.generated_at
        MeetingRequest.objects.bulk_update(created, ["created_at", "updated_at"])
        return created

    def request(self, sender, receiver, status):
        rng, now, deadline = self.rng, self.now, self.deadline
        latest = min(now, deadline) - datetime.timedelta(hours=2)
        made = latest - rng.uniform(1, 28) * DAY
        expires = deadline
        if status == "pending":
            made = now - rng.uniform(0.5, 6.5) * DAY
        elif status == "expired" and not self.closed:
            # Before the event's own deadline, a request expires at an earlier one the
            # organiser set for it (the demo shows the state on the quick start).
            made = now - rng.uniform(16, 30) * DAY
            expires = made + 14 * DAY
        request = MeetingRequest(
            event=self.event,
            sender=sender,
            receiver=receiver,
            message=rng.choice(MESSAGES[sender.registration.language]),
            status=status,
            expires_at=expires,
        )
        request.generated_at = made
        if status in ("accepted", "declined") or (status == "cancelled" and rng.random() < 0.5):
            request.answered_at = min(made + rng.uniform(0.1, 4) * DAY, latest)
        if status == "cancelled":
            request.cancelled_by = rng.choice([sender, receiver]) if request.answered_at else sender
        if status in ("pending", "expired"):
            waited = (min(now, expires) - made) / (2 * DAY)
            request.reminders_sent = min(3, int(waited))
            if request.reminders_sent:
                request.reminded_at = made + 2 * DAY * request.reminders_sent
        return request

    def make_meetings(self, profiles, requests):
        """The accepted requests' meetings, placed by the bulk scheduler: a few accepted
        requests stay without a slot, for the organiser to see."""
        accepted = [r for r in requests if r.status == MeetingRequest.Status.ACCEPTED]
        through = MatchmakingProfile.unavailable_slots.through.objects
        unavailable = {}
        for profile_id, slot_id in through.filter(meetingslot__event=self.event).values_list(
            "matchmakingprofile_id", "meetingslot_id"
        ):
            unavailable.setdefault(profile_id, set()).add(slot_id)
        problem = scheduler.Problem(
            slots=[slot.pk for slot in self.slots],
            tables={slot.pk: slot.tables for slot in self.slots},
            requests=[(r.pk, r.sender_id, r.receiver_id) for r in accepted],
            unavailable=unavailable,
        )
        assignment = scheduler.schedule(problem)
        by_slot = {slot.pk: slot for slot in self.slots}
        tables, meetings = {}, []
        for request in accepted:
            if request.pk not in assignment:
                continue
            slot = by_slot[assignment[request.pk]]
            tables[slot.pk] = tables.get(slot.pk, 0) + 1
            meetings.append(
                Meeting(request=request, event=self.event, slot=slot, table=tables[slot.pk])
            )
        meetings = Meeting.objects.bulk_create(meetings)
        MeetingSeat.objects.bulk_create(
            MeetingSeat(meeting=meeting, slot=meeting.slot, profile_id=profile_id)
            for meeting in meetings
            for profile_id in (meeting.request.sender_id, meeting.request.receiver_id)
        )
        for meeting in meetings:
            meeting.created_at = meeting.updated_at = meeting.request.answered_at
        Meeting.objects.bulk_update(meetings, ["created_at", "updated_at"])
        return meetings

    # --- After the event -------------------------------------------------------------------------

    def answer_surveys(self, meetings, profiles):
        """Each participant was asked about each meeting; most answered."""
        rng, event = self.rng, self.event
        by_pk = {profile.pk: profile for profile in profiles}
        second_round = self.now >= event.ends_at + SECOND_SURVEY_AFTER
        answers = []
        for meeting in meetings:
            held = rng.random() < 0.9
            outcome = rng.choices(*zip(*OUTCOMES, strict=True))[0] if held else ""
            later = rng.choice(LATER_OUTCOMES[outcome]) if held else ""
            for profile_id in (meeting.request.sender_id, meeting.request.receiver_id):
                language = by_pk[profile_id].registration.language
                rounds = [("after_event", outcome, event.ends_at)]
                if second_round:
                    rounds.append(("six_months", later, event.ends_at + SECOND_SURVEY_AFTER))
                for round_, result, asked in rounds:
                    answer = MeetingFeedback(meeting=meeting, profile_id=profile_id, round=round_)
                    answer.asked_at = asked
                    if rng.random() < 0.8:  # answered
                        answer.held = held
                        answer.outcome = result
                        answer.answered_at = min(asked + rng.uniform(0.2, 12) * DAY, self.now)
                        if result in ("negotiation", "agreement") and rng.random() < 0.5:
                            answer.note = rng.choice(NOTES[language])
                    answers.append(answer)
        answers = MeetingFeedback.objects.bulk_create(answers)
        for answer in answers:
            answer.created_at = answer.updated_at = answer.asked_at
            if answer.answered_at:
                answer.updated_at = answer.answered_at
        MeetingFeedback.objects.bulk_update(answers, ["created_at", "updated_at"])
