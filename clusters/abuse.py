"""What every public form shares against abuse: a honeypot, a rate limit, single-line fields.

- ``PublicFormMixin`` adds a honeypot field that people never see (hidden from sight and from
  assistive technology) and bots fill in; ``form.is_spam`` tells the view. A view answers a
  spam submission exactly as a successful one, but stores and sends nothing.
- ``public_post_ratelimit`` limits POSTs per client IP (django-ratelimit on the shared cache)
  and answers 429 with a page that explains it; the rate comes from settings
  (``PUBLIC_POST_RATELIMIT``, e.g. ``"10/h"``) so tests and deployments can change it.
- ``SingleLineField`` rejects line breaks and control characters: names end up in e-mail
  headers and subjects, where a line break would inject headers.

CSRF stays on (Django's middleware); templates autoescape every user text.
"""

import functools
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

HONEYPOT_FIELD = "homepage"
DEFAULT_PUBLIC_POST_RATE = "10/h"

# Control characters (C0 and C1, DEL), including CR and LF; tabs are cleaned to spaces first.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def reject_control_characters(value):
    if value and _CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _("Please write this on one line, without special characters."), code="control"
        )


class SingleLineField(forms.CharField):
    """A one-line text (a name, a title): no line breaks, no control characters."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)
        self.validators.append(reject_control_characters)

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
        self.validators.append(self._reject_controls)

    @staticmethod
    def _reject_controls(value):
        stripped = (value or "").replace("\r", "").replace("\n", "").replace("\t", "")
        if _CONTROL_CHARACTERS.search(stripped):
            raise ValidationError(
                _("The text contains characters that are not allowed."), code="control"
            )


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


def public_post_ratelimit(group):
    """Decorate a view: POSTs beyond the rate from one IP get a 429 page, GETs are never limited.

    Every public form view uses its own ``group`` so that one form's limit does not lock the
    others.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST" and is_ratelimited(
                request,
                group=f"public-post:{group}",
                key="ip",
                rate=public_post_rate,
                method="POST",
                increment=True,
            ):
                return render(request, "portal/too_many_requests.html", status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
