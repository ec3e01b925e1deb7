import base64

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.html import format_html
from django.utils.translation import get_language_info

register = template.Library()


@register.simple_tag(takes_context=True)
def language_versions(context):
    """The current page in every language (query string kept), for the switcher and hreflang."""
    request = context.get("request")
    if request is None:
        return []
    current = request.get_full_path()
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
