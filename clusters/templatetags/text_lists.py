"""``join_list``: a list as text in the active language ("A, B and C"), for e-mails and pages.

Django's ``join`` filter gives up on lazy translations when autoescaping is off (as in the
e-mail templates) and prints the Python list instead: ``['Vatten och avlopp', …]``. This filter
turns every item into text in the active language first.
"""

from django import template
from django.utils.translation import gettext

register = template.Library()


def join_as_text(items) -> str:
    """``"A"``, ``"A and B"``, ``"A, B and C"`` with the active language's conjunction."""
    texts = [str(item) for item in items or [] if str(item).strip()]
    if len(texts) < 2:
        return "".join(texts)
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(texts[:-1]), "last": texts[-1]}


@register.filter(is_safe=False)
def join_list(items):
    return join_as_text(items)
