import base64

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def protected_email(address):
    """An e-mail address people can use but harvesters cannot read from the HTML.

    The page holds the address reversed and base64-encoded in a data attribute (no "@", no
    mailto:); portal/js/companies.js turns it into a link. Without JavaScript the reader sees
    "info [at] firm [dot] example".
    """
    if not address:
        return ""
    encoded = base64.b64encode(address[::-1].encode("utf-8")).decode("ascii")
    local, _sep, domain = address.partition("@")
    readable = _("%(local)s [at] %(domain)s") % {
        "local": local,
        "domain": domain.replace(".", " [dot] "),
    }
    return format_html('<span class="protected-email" data-email="{}">{}</span>', encoded, readable)


@register.filter
def take(items, count):
    """The first ``count`` items of a prefetched list."""
    return list(items)[: int(count)]


@register.filter
def beyond(items, count):
    """How many items there are after the first ``count``."""
    return max(len(list(items)) - int(count), 0)
