"""What every public form shares against abuse: a honeypot, a rate limit, single-line fields.

- ``PublicFormMixin`` adds a honeypot field that people never see (hidden from sight and from
  assistive technology) and bots fill in; ``form.is_spam`` tells the view. A view answers a
  spam submission exactly as a successful one, but stores and sends nothing.
- ``public_post_ratelimit`` limits POSTs per client IP (django-ratelimit on the shared cache)
  and answers 429 with a page that explains it; the rate comes from settings
  (``PUBLIC_POST_RATELIMIT``, e.g. ``"10/h"``) so tests and deployments can change it.
- ``SingleLineField`` rejects line breaks and control characters: names end up in e-mail
  headers and subjects, where a line break would inject headers. It and ``MultiLineField`` also
  reject the invisible bidirectional controls (U+202A–U+202E, U+2066–U+2069) that make a text
  read differently from what it is ("Trojan Source").
- Every e-mail field of a public form takes at most 254 characters, what the models' columns
  hold (Django's form field accepts 320; a longer address was a 500 on PostgreSQL).
- When the rate limit's cache fails (Redis unreachable), the limit is counted in the process
  instead, with a warning in the log: a public POST never fails because of the cache.
- Without Redis (the database cache), the counts are rows of their own (``RateLimitCount``),
  increased in one SQL statement: django-ratelimit's count on the database cache let requests
  through beyond the limit (see ``_is_limited_in_the_database``).

CSRF stays on (Django's middleware); templates autoescape every user text.
"""

import functools
import hashlib
import logging
import math
import re
import time
from datetime import UTC, datetime

from django import forms
from django.conf import settings
from django.core import validators
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import DatabaseError, connections, router, transaction
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import _get_ip, _get_window, _split_rate, is_ratelimited

from .models import RateLimitCount

logger = logging.getLogger(__name__)

HONEYPOT_FIELD = "homepage"
DEFAULT_PUBLIC_POST_RATE = "10/h"
# What a model's EmailField (varchar(254)) holds, and RFC 5321's limit for a forward path.
EMAIL_MAX_LENGTH = 254

# Control characters (C0 and C1, DEL), including CR and LF; tabs are cleaned to spaces first.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Bidirectional embeddings, overrides and isolates: invisible, they reorder what a reader sees.
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def reject_control_characters(value):
    if value and _CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _("Please write this on one line, without special characters."), code="control"
        )


def reject_bidi_controls(value):
    if value and _BIDI_CONTROLS.search(value):
        raise ValidationError(
            _(
                "The text contains invisible characters that change the writing direction; "
                "please remove them."
            ),
            code="bidi",
        )


class SingleLineField(forms.CharField):
    """A one-line text (a name, a title): no line breaks, no control characters."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)
        self.validators += [reject_control_characters, reject_bidi_controls]

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\t", " ") if value else value


class MultiLineField(forms.CharField):
    """A free text with line breaks allowed, but no other control characters; always limited."""

    widget = forms.Textarea

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 4000)
        super().__init__(*args, **kwargs)
        if "widget" not in kwargs:
            self.widget.attrs["rows"] = 4
        self.validators += [self._reject_controls, reject_bidi_controls]

    @staticmethod
    def _reject_controls(value):
        stripped = (value or "").replace("\r", "").replace("\n", "").replace("\t", "")
        if _CONTROL_CHARACTERS.search(stripped):
            raise ValidationError(
                _("The text contains characters that are not allowed."), code="control"
            )


def limit_email_length(field, max_length=EMAIL_MAX_LENGTH):
    """Hold a form's ``EmailField`` to ``max_length`` characters (the widget's ``maxlength`` too),
    with an error that says what is wrong."""
    if field.max_length is not None and field.max_length <= max_length:
        return
    field.max_length = max_length
    field.validators = [
        validator
        for validator in field.validators
        if not isinstance(validator, validators.MaxLengthValidator)
    ]
    field.validators.append(
        validators.MaxLengthValidator(
            max_length,
            message=_(
                "This e-mail address is too long: it can have at most %(limit_value)d "
                "characters (it has %(show_value)d)."
            ),
        )
    )
    if not field.widget.is_hidden:
        field.widget.attrs["maxlength"] = str(max_length)


class PublicFormMixin:
    """Honeypot, required marks and accessible field groups for a form the public can post.

    The honeypot is a text field named like something a bot would fill ("homepage"); its field
    group is wrapped in a visually hidden, ``aria-hidden`` block so people and screen readers
    never meet it. ``{{ form }}`` renders it; templates that lay fields out by hand render
    ``{{ form.honeypot.as_field_group }}``.
    """

    required_css_class = "required"
    error_css_class = "has-error"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.template_name = "portal/forms/field.html"
            if isinstance(field, forms.EmailField):
                limit_email_length(field)
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            label=_("Leave this field empty"),
            required=False,
            max_length=200,
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
            template_name="portal/forms/honeypot.html",
        )

    @property
    def is_spam(self) -> bool:
        """True when the honeypot was filled in (whatever the other fields say)."""
        return bool(self.is_bound and self.data.get(self.add_prefix(HONEYPOT_FIELD)))

    @property
    def honeypot(self):
        return self[HONEYPOT_FIELD]


def public_post_rate(group, request):
    return getattr(settings, "PUBLIC_POST_RATELIMIT", DEFAULT_PUBLIC_POST_RATE)


# The fallback when the shared cache fails: a count per process (a looser limit with several
# workers, but a limit), with the same rate and window as the shared one.
_fallback_cache = LocMemCache("clusters.abuse.fallback", {"OPTIONS": {"MAX_ENTRIES": 10000}})


def _limit_and_client(request, group, key, rate):
    """``(limit, period in seconds, who)``: ``key`` is "ip" or a callable ``(group, request)``."""
    limit, period = _split_rate(rate(group, request) if callable(rate) else rate)
    if callable(key):
        return limit, period, key(group, request)
    if key != "ip":
        raise ImproperlyConfigured(f"A rate limit's key is 'ip' or a callable, not {key!r}.")
    return limit, period, _get_ip(request)


def _is_limited_in_process(request, group, key, rate):
    limit, period, who = _limit_and_client(request, group, key, rate)
    counter = f"{group}:{who}:{int(time.time()) // period}"
    if _fallback_cache.add(counter, 1, period + 5):
        return 1 > limit
    try:
        return _fallback_cache.incr(counter) > limit
    except ValueError:  # expired in between
        _fallback_cache.set(counter, 1, period + 5)
        return 1 > limit


# django-ratelimit counts with the cache's add() then incr(). On Django's database cache that is
# not exact: incr() is a get() then a set(), so requests at the same time read the same count and
# lose each other's increments; the set() also gives the entry the cache's default timeout (300 s),
# so a client pausing five minutes starts an hour's count again; and past MAX_ENTRIES (300) the
# cache deletes a third of its entries, counts among them. On the database a count is therefore a
# row of its own, added or increased by one statement that returns the new count (INSERT … ON
# CONFLICT DO UPDATE … RETURNING, PostgreSQL and SQLite 3.35+): the database serialises the
# writers of one row, so every request gets a number of its own, and the row lasts until its
# window ends. Redis stays with django-ratelimit: its INCR is atomic and keeps the expiry.
_UPSERT_COUNT = (
    "INSERT INTO {table} ({key}, {count}, {expires}) VALUES (%s, 1, %s) "
    "ON CONFLICT ({key}) DO UPDATE SET {count} = {table}.{count} + 1 RETURNING {count}"
)
_DELETE_ENDED = "DELETE FROM {table} WHERE {expires} < %s"


def _counts_in_the_database():
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    return isinstance(cache, DatabaseCache)


def _is_limited_in_the_database(request, group, key, rate):
    limit, period, who = _limit_and_client(request, group, key, rate)
    # django-ratelimit's windows: fixed, each client's shifted by a hash of it (the windows do not
    # all end, and their rows go, at the top of the hour).
    ends = _get_window(who, period)
    # Hashed: the key holds an address (IP or e-mail) and has a fixed length.
    digest = hashlib.sha256(f"{group}\n{limit}/{period}\n{who}\n{ends}".encode()).hexdigest()
    db = router.db_for_write(RateLimitCount)
    connection = connections[db]
    names = {name: connection.ops.quote_name(name) for name in ("key", "count", "expires")}
    names["table"] = connection.ops.quote_name(RateLimitCount._meta.db_table)

    def moment(timestamp):
        return connection.ops.adapt_datetimefield_value(datetime.fromtimestamp(timestamp, UTC))

    # A savepoint when a caller's transaction is open: a failure here leaves it usable.
    with transaction.atomic(using=db), connection.cursor() as cursor:
        cursor.execute(_UPSERT_COUNT.format(**names), [digest, moment(ends)])
        count = cursor.fetchone()[0]
    if count == 1:  # a new window for this client: the rows of the windows that ended go
        try:
            with transaction.atomic(using=db), connection.cursor() as cursor:
                cursor.execute(_DELETE_ENDED.format(**names), [moment(time.time())])
        except DatabaseError:  # another request deleting the same rows (a deadlock): no matter
            logger.info("Ended rate-limit counts not deleted this time.", exc_info=True)
    return count > limit


def is_limited(request, group, rate, *, key="ip"):
    """Count this request in ``group`` and say whether it is beyond ``rate`` (django-ratelimit's
    form, e.g. "10/h", or a callable ``(group, request)`` returning one) for the client ``key``
    names ("ip", or a callable ``(group, request)``). On Redis django-ratelimit counts; on the
    database cache, ``RateLimitCount``. When the count fails (Redis or the database unreachable),
    the request is counted in this process instead and a warning is logged: a limit, never a
    500."""
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return False
    try:
        if _counts_in_the_database():
            return _is_limited_in_the_database(request, group, key, rate)
        return is_ratelimited(
            request, group=group, key=key, rate=rate, method=is_ratelimited.ALL, increment=True
        )
    except ImproperlyConfigured:
        raise
    except Exception as error:  # the cache's own errors
        logger.warning(
            "The rate limit's cache failed (%s: %s); counting in this process instead.",
            type(error).__name__,
            error,
        )
        return _is_limited_in_process(request, group, key, rate)


def retry_after(request, group, rate, *, key="ip"):
    """Seconds until the client's current window of ``rate`` ends (a 429's ``Retry-After``):
    the windows ``is_limited`` counts in, on Redis and on the database alike."""
    _limit, period, who = _limit_and_client(request, group, key, rate)
    return max(math.ceil(_get_window(who, period) - time.time()), 1)


def too_many_requests(request):
    return render(request, "portal/too_many_requests.html", status=429)


def rate_limited(group, rate, *, methods=("POST",)):
    """Decorate a view: requests of ``methods`` beyond ``rate`` from one IP get the 429 page;
    other methods are never counted."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods and is_limited(request, group, rate):
                return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def public_post_ratelimit(group):
    """Decorate a public form's view: its POSTs are limited per IP (PUBLIC_POST_RATELIMIT).

    Every public form view uses its own ``group`` so that one form's limit does not lock the
    others.
    """
    return rate_limited(f"public-post:{group}", public_post_rate)
