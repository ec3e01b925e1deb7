"""What bench/run.py needs to know about the benchmark database, read through the ORM in a process
of its own (the harness itself never imports the portal) and printed as JSON:

    python bench/probe.py count     # {"companies": …, "published": …}
    python bench/probe.py choose    # the filters, the words and the CSV filter to benchmark

``choose`` picks, from the data:

- three filters that combine to a non-empty result: the country with the most published
  companies, the (non-root) capability most common in it, the valid certification most common
  among those;
- a word that many companies match and one that few do (how many companies of a random sample
  have a word starting with it, in their name or a description; the number of companies
  containing each is then counted exactly with a substring match, an upper bound of what a word
  search finds);
- a word common among the companies the three filters keep, for text + three filters;
- a filter (capability, or country + capability) whose result is as large as possible but at most
  CSV_ROWS companies, for the CSV export;
- a list of distinct search texts (words, prefixes of words, and pairs of neighbouring words, all
  taken from the sample) for the uncached text search: every request of that run sends one no
  earlier request sent.

The environment is bench/run.py's (DATABASE_URL, CACHE_URL, DJANGO_SETTINGS_MODULE).
"""

import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import CSV_ROWS

SAMPLE = 4000
UNCACHED_TEXTS = 30000
WORD = re.compile(r"[^\W\d_]+")


def setup():
    import django

    django.setup()


def published():
    from companies.models import Company

    return Company.objects.filter(is_published=True)


def count():
    from companies.models import Company

    return {"companies": Company.objects.count(), "published": published().count()}


def text_fields():
    from companies.models import Company

    return ["name"] + [
        field.name
        for field in Company._meta.concrete_fields
        if field.name.startswith("description")
    ]


def sample_texts(size, seed):
    """Name and descriptions (every language) of about ``size`` random published companies."""
    from django.db.models import Max, Min

    fields = text_fields()
    bounds = published().aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return []
    low, high = bounds["low"], bounds["high"]
    rng = random.Random(seed)
    if high - low + 1 <= size * 2:
        rows = published().values_list(*fields)
    else:
        picks = {rng.randint(low, high) for _ in range(size * 2)}
        rows = published().filter(pk__in=picks).values_list(*fields)[:size]
    return [" ".join(value for value in row if value) for row in rows]


def filtered_texts(filters, size):
    """Name and descriptions of up to ``size`` companies the three filters keep."""
    from companies.models import CompanyCertificate

    params = dict(filters["params"])
    certified = CompanyCertificate.objects.valid().filter(certification_id=params["certification"])
    rows = (
        published()
        .filter(
            country=params["country"],
            capabilities=params["capability"],
            pk__in=certified.values("company_id"),
        )
        .distinct()
        .values_list(*text_fields())[:size]
    )
    return [" ".join(value for value in row if value) for row in rows]


def substring_count(word):
    from django.db.models import Q

    condition = Q()
    for field in text_fields():
        condition |= Q(**{f"{field}__icontains": word})
    return published().filter(condition).count()


def choose_words(texts, seed, most=0.3):
    """A word many companies match and one few do. A word matches a company when one of the
    company's words starts with it (the directory searches word prefixes), so frequencies are
    counted over every prefix of every word."""
    words_per_document = [set(WORD.findall(text.lower())) for text in texts]
    frequency = Counter(
        prefix
        for words in words_per_document
        for prefix in {word[:end] for word in words for end in range(3, len(word) + 1)}
    )
    whole_words = {word for words in words_per_document for word in words}
    n = max(1, len(words_per_document))
    # "Many": the whole word of 5+ letters that starts a word in the most companies, but in at
    # most ``most`` of them (the template words of the descriptions are in all of them).
    common = [
        (frequency[word], word)
        for word in whole_words
        if len(word) >= 5 and 0.03 <= frequency[word] / n <= most
    ]
    many = max(common)[1] if common else (frequency.most_common(1)[0][0] if frequency else "steel")
    # "Few": a word of 7+ letters that starts a word in exactly one sampled company (the middle
    # one in length-then-alphabetical order, for a stable choice).
    rare = sorted(
        (word for word in whole_words if len(word) >= 7 and frequency[word] == 1),
        key=lambda word: (-len(word), word),
    )
    few = rare[len(rare) // 2] if rare else many
    return many, few, words_per_document, frequency


def uncached_texts(texts, exclude, seed):
    """Distinct texts, shuffled: words and their prefixes (4+ letters) and neighbouring pairs."""
    rng = random.Random(seed)
    singles, pairs = set(), set()
    for text in texts:
        words = [word for word in WORD.findall(text.lower()) if len(word) >= 4]
        for word in words:
            singles.add(word)
            for end in range(4, len(word)):
                singles.add(word[:end])
        for first, second in zip(words, words[1:], strict=False):
            if first != second:
                pairs.add(f"{first} {second}")
    texts = sorted((singles | pairs) - exclude)
    rng.shuffle(texts)
    return texts[:UNCACHED_TEXTS]


def choose_filters():
    from django.db.models import Count

    from companies.models import Company, CompanyCertificate

    through = Company.capabilities.through
    country_row = published().values("country").annotate(n=Count("pk")).order_by("-n", "country")
    country_row = country_row.first()
    if not country_row:
        return None
    country = str(country_row["country"])
    capability_row = (
        through.objects.filter(
            company__is_published=True,
            company__country=country,
            capability__parent__isnull=False,
        )
        .values("capability_id")
        .annotate(n=Count("company_id"))
        .order_by("-n", "capability_id")
        .first()
    )
    if not capability_row:
        return None
    capability = capability_row["capability_id"]
    certification_row = (
        CompanyCertificate.objects.valid()
        .filter(
            company__is_published=True,
            company__country=country,
            company__capabilities=capability,
        )
        .values("certification_id")
        .annotate(n=Count("company_id", distinct=True))
        .order_by("-n", "certification_id")
        .first()
    )
    if not certification_row:
        return None
    return {
        "params": [
            ["country", country],
            ["capability", str(capability)],
            ["certification", str(certification_row["certification_id"])],
        ],
        "country_companies": country_row["n"],
        "capability_companies": capability_row["n"],
        "companies": certification_row["n"],
        "labels": labels(country, capability, certification_row["certification_id"]),
    }


def labels(country, capability, certification):
    from companies.models import Capability, Certification

    return {
        "country": country,
        "capability": str(Capability.objects.filter(pk=capability).first()),
        "certification": str(Certification.objects.filter(pk=certification).first()),
    }


def choose_csv_filter():
    """The largest result of at most CSV_ROWS companies among one capability, or one country and
    one capability."""
    from django.db.models import Count

    from companies.models import Company

    through = Company.capabilities.through
    base = through.objects.filter(company__is_published=True)
    candidates = [
        ([["capability", str(row["capability_id"])]], row["n"])
        for row in base.values("capability_id").annotate(n=Count("company_id"))
    ]
    candidates += [
        (
            [["country", str(row["company__country"])], ["capability", str(row["capability_id"])]],
            row["n"],
        )
        for row in base.values("company__country", "capability_id").annotate(n=Count("company_id"))
    ]
    fitting = [(n, params) for params, n in candidates if 0 < n <= CSV_ROWS]
    if not fitting:
        return None
    n, params = max(fitting, key=lambda item: (item[0], str(item[1])))
    return {"params": params, "companies": n}


def choose(seed=1):
    texts = sample_texts(SAMPLE, seed)
    many, few, _documents, frequency = choose_words(texts, seed)
    sample_size = max(1, len(texts))
    filters = choose_filters()
    words = {}
    if filters:
        # For text + three filters: a word common among the companies the filters keep, so the
        # combination finds some (a word common overall may be absent from one country).
        kept = filtered_texts(filters, SAMPLE)
        if kept:
            word, _few, _documents, kept_frequency = choose_words(kept, seed, most=0.5)
            words["with filters"] = {
                "word": word,
                "sample_share": kept_frequency.get(word, 0) / len(kept),
                "substring_matches": substring_count(word),
            }
    return {
        "counts": count(),
        "filters": filters,
        "csv": choose_csv_filter(),
        "words": {
            "many": {
                "word": many,
                "sample_share": frequency.get(many, 0) / sample_size,
                "substring_matches": substring_count(many),
            },
            "few": {
                "word": few,
                "sample_share": frequency.get(few, 0) / sample_size,
                "substring_matches": substring_count(few),
            },
            **words,
        },
        "sample": len(texts),
        "uncached": uncached_texts(
            texts, {many, few, *(entry["word"] for entry in words.values())}, seed
        ),
    }


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "count"
    setup()
    if command == "count":
        result = count()
    elif command == "choose":
        result = choose()
    else:
        sys.exit(f"unknown command {command!r}: count or choose")
    json.dump(result, sys.stdout, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
