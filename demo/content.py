"""What companies and people post: cooperation offers, job offers, "job wanted" notices."""

import datetime
import uuid

from board.models import CooperationOffer, JobPosting
from clusters.emails import COUNTRY_LANGUAGES
from clusters.models import ModerationStatus
from clusters.slugs import ascii_slug

from .rows import Row
from .text import format_date, join_items, lower_first, translated
from .words import (
    CONTRACTS,
    EXPORT_MARKETS,
    INDUSTRIES,
    JOB_OFFER_TEXT,
    JOB_WANTED_TEXT,
    JOB_WANTED_TITLE,
    OFFER_KINDS,
    OFFER_TEXTS,
    OFFER_TITLES,
    PROFESSIONS,
)


class ContentMaker:
    """The offers-and-jobs half of DemoGenerator (its ``rng``, ``fakers``, ``today``, towns,
    spoken languages and slugs); a company's row carries what its posts draw on."""

    # --- offers and jobs -------------------------------------------------------------------

    def make_offer(self, company, expired):
        rng, demo = self.rng, company.extra
        category, direction = rng.choices(
            [(c, d) for c, d, _w in OFFER_KINDS], weights=[w for *_cd, w in OFFER_KINDS]
        )[0]
        capabilities = demo["capabilities"][: rng.randint(1, 3)]
        materials = demo["materials"][:2]
        focus = (
            materials[0]
            if category == CooperationOffer.Category.SUPPLY and materials
            else capabilities[0]
        )
        if expired:
            valid_until = self.today - datetime.timedelta(days=rng.randrange(1, 180))
            valid_from = valid_until - datetime.timedelta(days=rng.randrange(30, 180))
        else:
            valid_from = self.today - datetime.timedelta(days=rng.randrange(0, 120))
            valid_until = self.today + datetime.timedelta(days=rng.randrange(14, 240))
        values = {
            "direction": direction,
            "category": category,
            "company_id": company,
            "cluster_id": demo["clusters"][0].pk if demo["clusters"] else None,
            "target_countries": sorted(
                rng.sample([c for c in EXPORT_MARKETS if c != demo["country"]], rng.randint(0, 3))
            ),
            "valid_from": valid_from,
            "valid_until": valid_until,
            "status": ModerationStatus.PUBLISHED,
            "submitter_language": demo["language"],
        }
        company_name = company.values["name"]
        for language in sorted({demo["language"], "en"}):
            texts = OFFER_TEXTS[language]
            values[f"title_{language}"] = OFFER_TITLES[language][category].format(
                item=translated(focus, "name", language)
            )
            body = [
                texts[
                    "offer" if direction == CooperationOffer.Direction.OFFER else "request"
                ].format(company=company_name),
                texts["processes"].format(
                    items=join_items(
                        (lower_first(translated(c, "name", language)) for c in capabilities),
                        language,
                    )
                ),
            ]
            if materials:
                body.append(
                    texts["materials"].format(
                        items=join_items(
                            (lower_first(translated(m, "name", language)) for m in materials),
                            language,
                        )
                    )
                )
            body.append(
                texts[
                    "offer_end" if direction == CooperationOffer.Direction.OFFER else "request_end"
                ]
            )
            values[f"description_{language}"] = " ".join(body)
        values["slug"] = self.offer_slugs.make(values["title_en"])
        return Row(values, {"capabilities": capabilities, "materials": materials})

    def _profession(self, industry):
        return self.rng.choice(PROFESSIONS[industry] + PROFESSIONS["any"])

    def _manage_token(self):
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def make_job_offer(self, company, expired):
        rng, demo = self.rng, company.extra
        profession = self._profession(demo["industry"])
        contract = rng.choices(list(CONTRACTS), weights=[6, 2, 1, 1, 1])[0]
        expires_on = self.today + datetime.timedelta(
            days=-rng.randrange(1, 120) if expired else rng.randrange(7, 90)
        )
        company_name, municipality = company.values["name"], demo["municipality"]
        values = {
            "kind": JobPosting.Kind.OFFER,
            "company_id": company,
            "municipality_id": municipality.pk,
            "contract_type": contract,
            "expires_on": expires_on,
            "contact_name": self._person_name(demo["language"]),
            "contact_email": f"jobs@{company.values['email'].split('@', 1)[1]}",
            "poster_language": demo["language"],
            "status": ModerationStatus.PUBLISHED,
            "manage_token": self._manage_token(),
        }
        # The profession comes from a list kept in every language, as a coordinator would
        # translate it in the admin; the text stays in the poster's language (and English).
        values.update({f"profession_{code}": name for code, name in profession.items()})
        for language in sorted({demo["language"], "en"}):
            values[f"title_{language}"] = profession[language]
            values[f"description_{language}"] = JOB_OFFER_TEXT[language].format(
                company=company_name,
                profession=lower_first(profession[language]),
                town=translated(municipality, "name", language),
                contract=CONTRACTS[contract][language],
                date=format_date(expires_on, language),
            )
        values["slug"] = self.job_slugs.make(f"{profession['en']} {company_name}")
        return Row(values, {"languages": demo["languages"]})

    def _person_name(self, language):
        faker = self.fakers[language]
        return f"{faker.first_name()} {faker.last_name()}"

    def make_job_wanted(self):
        rng = self.rng
        municipality = rng.choice(self.municipalities)
        country = municipality.region.country.code
        language = COUNTRY_LANGUAGES[country] if rng.random() < 0.8 else "en"
        first, last = self.fakers[language].first_name(), self.fakers[language].last_name()
        profession = self._profession(rng.choice(INDUSTRIES))
        years = rng.randint(5, 20)
        values = {
            "kind": JobPosting.Kind.WANTED,
            "municipality_id": municipality.pk,
            "contract_type": rng.choice(
                [JobPosting.ContractType.PERMANENT, JobPosting.ContractType.FIXED_TERM, ""]
            ),
            "expires_on": self.today + datetime.timedelta(days=rng.randrange(-30, 90)),
            "contact_name": f"{first} {last}",
            "contact_email": f"{ascii_slug(first)}.{ascii_slug(last)}@example.org",
            "poster_language": language,
            "consent_at": datetime.datetime.combine(
                self.today - datetime.timedelta(days=rng.randrange(1, 60)),
                datetime.time(12),
                datetime.UTC,
            ),
            "status": ModerationStatus.PUBLISHED,
            "manage_token": self._manage_token(),
        }
        values.update({f"profession_{code}": name for code, name in profession.items()})
        for text_language in sorted({language, "en"}):
            town = translated(municipality, "name", text_language)
            values[f"title_{text_language}"] = JOB_WANTED_TITLE[text_language].format(
                profession=profession[text_language]
            )
            values[f"description_{text_language}"] = JOB_WANTED_TEXT[text_language].format(
                profession=lower_first(profession[text_language]), town=town, years=years
            )
        values["slug"] = self.job_slugs.make(values["title_en"])
        return Row(
            values, {"languages": [self.languages[code] for code in sorted({language, "en"})]}
        )
