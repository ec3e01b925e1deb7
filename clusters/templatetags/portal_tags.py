import base64
import re

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info

from clusters.models import Page

register = template.Library()


_LEADING_SLASHES = re.compile(r"^[/\\]+")


def local_path(path: str) -> str:
    """``path`` made safe to put after the site's own host: a path read from the request
    (``//evil.example/en/``, ``/\\evil.example``) never becomes a scheme-relative link to another
    host. Absolute URLs (``https://…``, e.g. a CDN's static files) are left as they are."""
    if not isinstance(path, str):
        return path
    if path.startswith(("/", "\\")):
        return _LEADING_SLASHES.sub("/", path)
    return path


@register.simple_tag(takes_context=True)
def language_versions(context):
    """The current page in every language (query string kept), for the switcher and hreflang."""
    request = context.get("request")
    if request is None:
        return []
    current = local_path(request.get_full_path())
    versions = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        versions.append(
            {
                "code": code,
                "name_local": info["name_local"],
                "url": translate_url(current, code),
            }
        )
    return versions


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    path = local_path(path)
    request = context.get("request")
    if request is not None:
        return request.build_absolute_uri(path)
    return f"{settings.SITE_URL}{path}"


def obfuscate_email(address: str) -> str:
    """``name@example.org`` → ``name [at] example [dot] org``: readable, not harvestable."""
    local, _at, domain = address.partition("@")
    return f"{local} [at] {domain.replace('.', ' [dot] ')}"


def encode_email(address: str) -> str:
    """The address reversed, then base64 of its UTF-8: what portal/js/email.js decodes."""
    return base64.b64encode(address[::-1].encode("utf-8")).decode("ascii")


@register.simple_tag
def protected_email(address):
    """An e-mail address people can use and harvesters cannot read from the HTML.

    Renders ``name [at] example [dot] org`` in a span whose ``data-protected-email`` holds the
    address reversed and base64-encoded; ``portal/static/portal/js/email.js`` (loaded by
    base.html) turns it into a mailto link. No plain address and no ``mailto:`` in the HTML.
    """
    address = (str(address) if address else "").strip()
    if "@" not in address:
        return ""
    return format_html(
        '<span class="protected-email" data-protected-email="{}">{}</span>',
        encode_email(address),
        obfuscate_email(address),
    )


class CaptureNode(template.Node):
    def __init__(self, nodelist, var_name):
        self.nodelist = nodelist
        self.var_name = var_name

    def render(self, context):
        context[self.var_name] = self.nodelist.render(context).strip()
        return ""


@register.tag
def capture(parser, token):
    """``{% capture as name %}…{% endcapture %}``: render once, use as ``{{ name }}`` many times.

    base.html captures the title and description blocks so that a page sets them once and they
    also fill the Open Graph tags.
    """
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


# Main navigation sections, by the URL names of the pages that belong to them.
NAV_SECTIONS = {
    "companies": {"companies"},
    "clusters": {"portal:cluster-list", "portal:cluster", "portal:cluster-events-ics"},
    "projects": {"projects"},
    "events": {"events"},
    "offers": {"offers"},
    "jobs": {"jobs"},
    "news": {"portal:news-list", "portal:news-detail"},
    "search": {"portal:search"},
}
NAV_SECTION_HOMES = {
    "companies": "companies:list",
    "clusters": "portal:cluster-list",
    "projects": "projects:list",
    "events": "events:list",
    "offers": "offers:list",
    "jobs": "jobs:list",
    "news": "portal:news-list",
    "search": "portal:search",
}


@register.simple_tag(takes_context=True)
def nav_current(context, section):
    """`` aria-current="page"`` on the section's own page, ``="true"`` inside the section."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    names = NAV_SECTIONS.get(section, set())
    if match.view_name == NAV_SECTION_HOMES.get(section):
        return mark_safe(' aria-current="page"')
    if match.view_name in names or match.namespace in names:
        return mark_safe(' aria-current="true"')
    return ""


FOOTER_PAGE_SLUGS = ("about", "accessibility", "privacy")


@register.simple_tag(takes_context=True)
def footer_pages(context):
    """The published about / accessibility / privacy pages: one query a request, none missing."""
    request = context.get("request")
    cached = getattr(request, "_portal_footer_pages", None)
    if cached is not None:
        return cached
    pages = sorted(
        Page.objects.filter(is_published=True, slug__in=FOOTER_PAGE_SLUGS),
        key=lambda page: FOOTER_PAGE_SLUGS.index(page.slug),
    )
    if request is not None:
        request._portal_footer_pages = pages
    return pages


OG_LOCALES = {"en": "en_GB", "sv": "sv_SE", "fi": "fi_FI", "pl": "pl_PL", "lt": "lt_LT"}


@register.filter
def elided_pages(page):
    """The page numbers to link around ``page``: Django's elided range, "…" for the gaps."""
    return page.paginator.get_elided_page_range(page.number)


@register.filter
def og_locale(language_code):
    """Open Graph wants language_TERRITORY: fi → fi_FI."""
    return OG_LOCALES.get(language_code, language_code)


@register.filter
def file_size(field_file):
    """The size of an uploaded file in bytes, or None when the file is missing from storage."""
    try:
        return field_file.size if field_file else None
    # Each storage has its own "missing" error: OSError on disk, botocore's ClientError on S3.
    except Exception:
        return None


@register.filter
def language_label(code):
    """A language code in its own language (suomi, svenska); unknown codes as given."""
    try:
        return get_language_info(str(code).lower())["name_local"]
    except KeyError:
        return code
