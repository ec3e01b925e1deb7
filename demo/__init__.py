"""Demo companies for a fresh portal: realistic, valid, deterministic for a seed, fast to insert.

A development tool (``manage.py seed_demo``, ``setup_portal --companies N``): installed where this
package and Faker are, left out of the production image and its requirements.

``generator.DemoGenerator(seed=…, today=…).generate(n)`` writes ``n`` companies spread over the
database's towns (FI, SE, PL, LT), more of them in the seeds' regions, each with a unique name, an
address and a business ID in its country's style, an industry its region is known for, a
description in its own language and in English, a classification taken from the database's
taxonomy, certificates and memberships of the clusters of its own area: a cluster's members come
from its home area and, where the seed tells of cooperation across a border, a minority from the
other side (``fixtures/demo/clusters.json``). A share of the companies post cooperation offers and
job offers, and invented people post "job wanted" notices.

The generator makes plain rows (``rows.Row``: field values by attribute name), not model
instances, one batch of companies at a time, and a writer stores each batch: on PostgreSQL with
``COPY … FROM STDIN`` into every table (``fast``), primary keys reserved from the tables'
sequences beforehand so that related rows can name their company without reading it back, in a
second thread while the next batch is generated (a million companies in minutes, memory bounded
by the batch size and the sets of names, slugs and business IDs); elsewhere (SQLite) with
``bulk_create`` (``writers``). Both write the same column values as ``bulk_create`` of the model
instances would. Neither sends signals: the caller rebuilds what is derived from the companies
(the directory) once at the end.

Modules: ``words`` (the word lists and text patterns, from ``fixtures/demo/*.json``), ``text``,
``rows``, ``companies`` (names, addresses, identifiers, descriptions of one company),
``content`` (cooperation offers and job posts), ``generator`` (reference data and batches),
``writers`` and ``fast`` (storing batches), ``deletion`` (removing what the generator made),
``matchmaking`` (the seed content's matchmaking day: participants from these companies, slots,
requests, meetings and, after the event, survey answers; once, at the end of ``generate``).

Every row the generator writes has a slug ending in ``-demo`` (companies, offers, job posts):
``deletion.delete_demo_data()`` removes exactly those. All randomness comes from one
``random.Random`` and per-locale Faker instances seeded from ``seed``; dates derive from
``today``. The same seed, batch size and reference date on the same reference data (towns,
clusters, taxonomy) give the same rows.

This module imports nothing: Django imports it while it reads INSTALLED_APPS.
"""
