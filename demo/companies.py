"""One company: its name, address, business ID, phone and descriptions in its country's style,
its size, clusters and classification."""

import datetime
from decimal import Decimal

import phonenumbers
from stdnum import luhn
from stdnum.lt import pvm as lt_vat
from stdnum.pl import nip

from clusters.emails import COUNTRY_LANGUAGES
from companies.models import Company

from .rows import DEMO_SLUG_SUFFIX, Row
from .text import join_items, lower_first, translated
from .words import (
    BRAND_PREFIXES,
    BRAND_WORDS,
    EXPORT_MARKETS,
    EXTRA_LANGUAGES,
    INDUSTRIAL_STREETS,
    INDUSTRIES,
    INTRO,
    LT_BRAND_ROOTS,
    LT_BRAND_SUFFIXES,
    LT_STREETS,
    MEMBERSHIP,
    NAME_WORDS,
    PHONE_PATTERNS,
    PHRASES,
    PL_BRAND_ROOTS,
    PL_BRAND_SUFFIXES,
    PL_TAX_OFFICES,
    PL_WORKS_ADJECTIVES,
    REGION_WORDS,
    SIZE_CLASSES,
    SWEDISH_SPEAKING_REGIONS,
)


def size_class_for(employees: int) -> str:
    """The EU SME size class of a headcount (Recommendation 2003/361/EC)."""
    if employees < 10:
        return Company.SizeClass.MICRO
    if employees < 50:
        return Company.SizeClass.SMALL
    if employees < 250:
        return Company.SizeClass.MEDIUM
    return Company.SizeClass.LARGE


# Legal forms at the end of a name, longest first; a Lithuanian name starts with its form.
LEGAL_FORM_SUFFIXES = (" Oy Ab", " Sp. z o.o.", " S.A.", " Sp.j.", " Oy", " Ab", " AB", " Ky")


def _with_word(name, word):
    """The name with a word before its legal form: "Botnia Steel Vaasa Oy", "UAB Medita Alytus"."""
    for suffix in LEGAL_FORM_SUFFIXES:
        if name.endswith(suffix):
            return f"{name.removesuffix(suffix)} {word}{suffix}"
    return f"{name} {word}"


def valid_phone_numbers(country):
    """Every number of the country's fake ranges that libphonenumber accepts as valid."""
    numbers = []
    for pattern in PHONE_PATTERNS[country]:
        width = 2 if "{:02d}" in pattern else 1
        for digits in range(10**width):
            number = pattern.format(digits)
            if number.startswith("+467017406") and digits < 5:
                continue  # the reserved range is 070-174 06 05 … 070-174 06 99
            if phonenumbers.is_valid_number(phonenumbers.parse(number)):
                numbers.append(number)
    return numbers


class CompanyMaker:
    """The company half of DemoGenerator: uses its random generator (``rng``), Faker instances
    (``fakers``), reference date (``today``) and the reference data it loads (towns, clusters,
    taxonomy pools, slugs, business IDs taken)."""

    # --- business identifiers --------------------------------------------------------------

    def _fi_business_id(self):
        while True:
            digits = f"{self.rng.randrange(100000, 3400000):07d}"
            remainder = (
                sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
            )
            if remainder == 1:
                continue
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"

    def _se_business_id(self):
        digits = f"{self.rng.choice(('556', '559'))}{self.rng.randrange(1000000):06d}"
        digits += luhn.calc_check_digit(digits)
        return f"{digits[:6]}-{digits[6:]}"

    def _pl_business_id(self):
        while True:
            digits = f"{self.rng.choice(PL_TAX_OFFICES)}{self.rng.randrange(10000000):07d}"[:9]
            check = (
                sum(int(d) * w for d, w in zip(digits, (6, 5, 7, 2, 3, 4, 5, 6, 7), strict=True))
                % 11
            )
            if check != 10:
                return nip.format(f"{digits}{check}")

    def _lt_business_id(self):
        digits = (
            f"30{self.rng.randrange(1000000):06d}"
            if self.rng.random() < 0.6
            else f"1{self.rng.randrange(10000000):07d}"
        )
        return digits + lt_vat.calc_check_digit(digits)

    def business_id(self, country):
        make = {
            "FI": self._fi_business_id,
            "SE": self._se_business_id,
            "PL": self._pl_business_id,
            "LT": self._lt_business_id,
        }[country]
        taken = self.business_ids[country]
        while True:
            value = make()
            if value not in taken:
                taken.add(value)
                return value

    def vat_number(self, country, business_id):
        digits = business_id.replace("-", "")
        if country == "FI":
            return f"FI{digits}"
        if country == "SE":
            return f"SE{digits}01"
        if country == "PL":
            return f"PL{digits}"
        # A Lithuanian VAT code is a number of its own: nine digits, the eighth always 1.
        vat = f"{self.rng.randrange(1000000):07d}1"
        return f"LT{vat}{lt_vat.calc_check_digit(vat)}"

    def phone(self, country):
        return self.rng.choice(self.phone_numbers[country])

    # --- names and addresses ---------------------------------------------------------------

    def company_name(self, country, language, industry, municipality, size_class):
        rng, faker = self.rng, self.fakers[language]
        words = NAME_WORDS[language][industry]
        brand = f"{rng.choice(BRAND_PREFIXES[language])} {rng.choice(BRAND_WORDS[industry])}"
        roll = rng.random()
        if country == "FI" and language == "fi":
            form = (
                "Ky"
                if size_class == Company.SizeClass.MICRO and rng.random() < 0.3
                else rng.choice(["Oy"] * 7 + ["Oy Ab"])
            )
            surname = faker.last_name()
            if roll < 0.3 and surname.endswith("nen"):
                return f"{surname[:-3]}sen {rng.choice(words)} {form}"
            if roll < 0.55:
                return f"{self._region_word(municipality, 'fi')} {rng.choice(words)} {form}"
            if roll < 0.8:
                return f"{rng.choice(words)} {surname} {form}"
            return f"{brand} {form}"
        if language == "sv":
            form = "AB" if country == "SE" else rng.choice(["Ab", "Oy Ab"])
            surname = faker.last_name()
            town = municipality.name_sv or municipality.name
            if roll < 0.25:
                return f"{surname}{'' if surname.endswith('s') else 's'} {rng.choice(words)} {form}"
            if roll < 0.45:
                return f"{town} {rng.choice(words)} {form}"
            if roll < 0.65:
                return f"{self._region_word(municipality, 'sv')} {rng.choice(words)} {form}"
            if roll < 0.75:
                return f"{surname} & Söner {form}"
            if form == "Oy Ab" and rng.random() < 0.5:
                return f"Oy {brand} Ab"
            return f"{brand} {form}"
        if language == "pl":
            if size_class in (Company.SizeClass.LARGE, Company.SizeClass.MEDIUM) and roll < 0.3:
                return f"{self._region_word(municipality, 'pl')} Zakłady {PL_WORKS_ADJECTIVES[industry]} S.A."
            surname = faker.last_name()
            if roll < 0.45:
                return f"{rng.choice(words)} {surname} Sp. z o.o."
            if roll < 0.55:
                return f"{surname} i Wspólnicy Sp.j."
            if roll < 0.85:
                brand_name = (
                    f"{rng.choice(PL_BRAND_ROOTS[industry])}{rng.choice(PL_BRAND_SUFFIXES)}"
                )
                return f"{brand_name} Sp. z o.o."
            return f"{brand} Sp. z o.o."
        # Lithuanian
        form = "AB" if size_class == Company.SizeClass.LARGE else "UAB"
        word = rng.choice(words)
        if roll < 0.4:
            return f"{form} {self._region_word(municipality, 'lt')} {word}"
        if roll < 0.6:
            return f"{form} {word[:1].upper()}{word[1:]}"
        if roll < 0.85:
            return f"{form} {rng.choice(LT_BRAND_ROOTS[industry])}{rng.choice(LT_BRAND_SUFFIXES)}"
        return f"{form} {brand}"

    def _region_word(self, municipality, language):
        """The region's name in the form a company name needs: Pohjanmaan, Västerbottens,
        Podlaskie, Alytaus; a general word when the region's name does not follow the rule."""
        name = (getattr(municipality.region, f"name_{language}", "") or "").strip()
        word = None
        if language == "fi":
            if name.endswith("maa"):
                word = f"{name}n"  # Pohjanmaa → Pohjanmaan
            elif name.endswith("Suomi"):
                word = f"{name[:-1]}en"  # Keski-Suomi → Keski-Suomen
        elif language == "sv" and name:
            if name.endswith(" län"):
                word = name.removesuffix(" län")  # Värmlands län → Värmlands
            elif not name.endswith(("s", "x", "z")) and " " not in name.removeprefix(
                "Mellersta "
            ).removeprefix("Norra ").removeprefix("Södra "):
                word = f"{name}s"  # Österbotten → Österbottens
        elif language == "pl" and name.lower().startswith("województwo "):
            adjective = name.split(" ", 1)[1]  # województwo warmińsko-mazurskie
            word = "-".join(part[:1].upper() + part[1:] for part in adjective.split("-"))
        elif language == "lt" and name.endswith(" apskritis"):
            word = name.removesuffix(" apskritis")  # Alytaus apskritis → Alytaus
        if word and self.rng.random() < 0.8:
            return word
        return self.rng.choice(REGION_WORDS[language])

    def address(self, country, language):
        rng, faker = self.rng, self.fakers[language]
        number = rng.randrange(1, 120)
        if language == "lt":
            street = rng.choice(INDUSTRIAL_STREETS["lt"] if rng.random() < 0.5 else LT_STREETS)
            return f"{street} {number}", f"LT-{rng.randrange(10000, 99999)}"
        street = (
            rng.choice(INDUSTRIAL_STREETS[language]) if rng.random() < 0.5 else faker.street_name()
        )
        if language == "pl":
            if not street.startswith(("ul.", "al.", "pl.")):
                street = f"ul. {street}"
            return f"{street} {number}", faker.postcode()
        postcode = f"{rng.randrange(10000, 99999)}"
        if country == "SE":
            postcode = f"{postcode[:3]} {postcode[3:]}"
        return f"{street} {number}", postcode

    # --- descriptions ----------------------------------------------------------------------

    def description(
        self,
        language,
        name,
        industry,
        municipality,
        founded,
        employees,
        capabilities,
        materials,
        certifications,
        markets,
    ):
        phrases = PHRASES[language]
        place = self._place(municipality, language)
        first = [
            self.rng.choice(INTRO[language][industry]).format(name=name),
            phrases["location"].format(place=place),
            phrases["founded"].format(year=founded),
            phrases["staff"].format(n=employees),
        ]
        second = [
            phrases["capabilities"].format(
                items=join_items([self._label(c, language) for c in capabilities], language)
            )
        ]
        if materials:
            second.append(
                phrases["materials"].format(
                    items=join_items([self._label(m, language) for m in materials], language)
                )
            )
        if certifications:
            second.append(
                phrases["certifications"].format(
                    items=join_items(
                        [self._certificate_label(c, language) for c in certifications], language
                    )
                )
            )
        if markets:
            second.append(
                phrases["export"].format(
                    items=join_items(
                        [self.country_names[language, code] for code in markets], language
                    )
                )
            )
        second.append(phrases["closing"])
        return f"{' '.join(first)}\n\n{' '.join(second)}"

    # Texts of reference objects, memoised by (id(obj), language): the objects live as long as the
    # generator, and the same few hundred names are written into a million descriptions.

    def _label(self, obj, language):
        """A taxonomy name inside a list: lower_first(translated name)."""
        key = (id(obj), language)
        label = self._labels.get(key)
        if label is None:
            label = self._labels[key] = lower_first(translated(obj, "name", language))
        return label

    def _place(self, municipality, language):
        key = (id(municipality), language, "place")
        place = self._labels.get(key)
        if place is None:
            place = self._labels[key] = (
                f"{translated(municipality, 'name', language)}, "
                f"{translated(municipality.region, 'name', language)}"
            )
        return place

    def _certificate_label(self, certification, language):
        key = (id(certification), language, "certificate")
        label = self._labels.get(key)
        if label is None:
            name = translated(certification, "name", language)
            if not name or len(name) > 45 or certification.code.lower() in name.lower():
                label = certification.code
            else:
                label = f"{certification.code} ({name})"
            self._labels[key] = label
        return label

    # --- one company -----------------------------------------------------------------------

    def _weighted_size(self):
        roll = self.rng.uniform(0, sum(weight for _c, weight, _lo, _hi in SIZE_CLASSES))
        for size_class, weight, low, high in SIZE_CLASSES:
            if roll < weight:
                return size_class, low, high
            roll -= weight
        return SIZE_CLASSES[-1][0], SIZE_CLASSES[-1][2], SIZE_CLASSES[-1][3]

    def _clusters_for(self, municipality, industry):
        """The clusters a company of the industry in the town joins: one of its industry whose
        home area holds the town (most do), else, less often, one whose cross-border area does;
        a member of a home cluster sometimes also joins another cluster of its home area."""
        rng, candidates = self.rng, self.cluster_candidates[municipality.pk]
        home = candidates.home.get(industry)
        cross_border = candidates.cross_border.get(industry)
        if home and rng.random() < MEMBERSHIP["home"]:
            chosen = rng.choice(home)
        elif cross_border and rng.random() < MEMBERSHIP["cross_border"]:
            return [rng.choice(cross_border)]
        else:
            return []
        others = [c for c in candidates.home_all if c is not chosen]
        if others and rng.random() < MEMBERSHIP["second"]:
            return [chosen, rng.choice(others)]
        return [chosen]

    def _sample(self, pool, low, high):
        if not pool:
            return []
        count = min(len(pool), self.rng.randint(low, high))
        # The pools are in primary key order: sampling positions picks the same objects as
        # sampling the pool, and sorting positions sorts them by key.
        return [pool[i] for i in sorted(self.rng.sample(range(len(pool)), count))]

    def _certifications(self, industry, most):
        """Up to ``most`` certifications; management systems (ISO 9001, ISO 14001) are the most common."""
        pool = self.certification_pool[industry]
        wanted = min(len(pool), self.rng.randint(0, most))
        weights = self.certification_weights[industry]
        positions = range(len(pool))
        chosen = set()
        while len(chosen) < wanted:
            chosen.add(self.rng.choices(positions, cum_weights=weights)[0])
        return [pool[i] for i in sorted(chosen)]

    def _capabilities(self, industry):
        """Two to eight of the industry's capabilities, in primary key order; a metal company's
        include one that works metal, the common ones (laser cutting, welding) most often."""
        pool = self.capability_pool[industry]
        if industry != "metal" or not self.metalworking_positions:
            return self._sample(pool, 2, 8)
        rng = self.rng
        first = rng.choices(self.metalworking_positions, cum_weights=self.metalworking_weights)[0]
        positions = rng.sample(range(len(pool)), min(len(pool), rng.randint(2, 8)))
        if first not in positions:
            positions[0] = first
        return [pool[i] for i in sorted(positions)]

    def _unique_name(self, country, language, industry, municipality, size_class):
        """A name no company has yet (ignoring case): a few fresh draws, then the town's name
        in it ("Botnia Steel Vaasa Oy"), then a number."""
        for _attempt in range(8):
            name = self.company_name(country, language, industry, municipality, size_class)
            if name.casefold() not in self.company_names:
                break
        else:
            town = translated(municipality, "name", language)
            candidate, number = _with_word(name, town), 2
            while candidate.casefold() in self.company_names:
                candidate, number = _with_word(name, f"{town} {number}"), number + 1
            name = candidate
        self.company_names.add(name.casefold())
        return name

    def make_company(self):
        rng = self.rng
        municipality = rng.choices(self.municipalities, cum_weights=self.municipality_weights)[0]
        country = municipality.region.country.code
        language = COUNTRY_LANGUAGES[country]
        if (
            country == "FI"
            and municipality.name_sv
            and municipality.name_sv != municipality.name_fi
        ):
            # Swedish-speaking firms: common in the bilingual Ostrobothnian towns, rare elsewhere.
            if rng.random() < (
                0.35 if municipality.region.slug in SWEDISH_SPEAKING_REGIONS else 0.03
            ):
                language = "sv"
        industry = rng.choices(
            INDUSTRIES, cum_weights=self.industry_weights[municipality.region_id]
        )[0]
        clusters = self._clusters_for(municipality, industry)

        size_class, low, high = self._weighted_size()
        employees = rng.randint(max(low, 2), high)
        name = self._unique_name(country, language, industry, municipality, size_class)
        slug = self.company_slugs.make(name)
        domain = slug.removesuffix(DEMO_SLUG_SUFFIX)[:55].strip("-")
        street, postal_code = self.address(country, language)
        founded = min(self.today.year - 1, int(self.today.year - 1 - rng.triangular(0, 100, 8)))
        business_id = self.business_id(country)

        capabilities = self._capabilities(industry)
        materials = self._sample(self.material_pool[industry], 1, 4)
        certifications = self._certifications(
            industry, 3 if size_class != Company.SizeClass.MICRO else 1
        )
        sectors = self._sample(self.sector_pool[industry], 1, 2)
        markets = sorted(rng.sample([c for c in EXPORT_MARKETS if c != country], rng.randint(0, 4)))
        spoken = {language, "en"} if rng.random() < 0.92 else {language}
        if country == "FI" and language == "sv":
            spoken.add("fi")
        if rng.random() < 0.35:
            spoken.add(rng.choice(EXTRA_LANGUAGES[country]))

        values = {
            "name": name,
            "slug": slug,
            "country": country,
            "business_id": business_id,
            "vat_number": self.vat_number(country, business_id) if rng.random() < 0.45 else "",
            "street_address": street,
            "postal_code": postal_code,
            "municipality_id": municipality.pk,
            "website": f"https://{domain}.example",
            "email": f"info@{domain}.example",
            "phone": self.phone(country),
            "founded": founded,
            "employees": employees,
            "size_class": size_class_for(employees),
            "export_markets": markets,
            "is_published": rng.random() < 0.98,
        }
        if municipality.latitude is not None and municipality.longitude is not None:
            values["latitude"] = (
                municipality.latitude + Decimal(rng.randint(-3000, 3000)) / 100000
            ).quantize(Decimal("0.00001"))
            values["longitude"] = (
                municipality.longitude + Decimal(rng.randint(-6000, 6000)) / 100000
            ).quantize(Decimal("0.00001"))
        if rng.random() < 0.88:
            days = rng.randrange(0, 365) if rng.random() < 0.8 else rng.randrange(366, 1100)
            values["confirmed_at"] = datetime.datetime.combine(
                self.today - datetime.timedelta(days=days),
                datetime.time(rng.randrange(7, 18), rng.randrange(60)),
                datetime.UTC,
            )
        for text_language in sorted({language, "en"}):
            values[f"description_{text_language}"] = self.description(
                text_language,
                name,
                industry,
                municipality,
                founded,
                employees,
                capabilities,
                materials,
                certifications,
                markets,
            )
        return Row(
            values,
            {
                "country": country,
                "municipality": municipality,
                "language": language,
                "industry": industry,
                "clusters": clusters,
                "capabilities": capabilities,
                "materials": materials,
                "certifications": certifications,
                "sectors": sectors,
                "languages": [self.languages[code] for code in sorted(spoken)],
            },
        )
