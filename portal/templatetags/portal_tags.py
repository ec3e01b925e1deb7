from django import template
from django.conf import settings
from django.urls import translate_url
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
