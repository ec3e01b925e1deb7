from django import template

from portal import dashboard

register = template.Library()


@register.simple_tag(takes_context=True)
def coordinator_dashboard(context):
    """The figures of the admin index for the logged-in coordinator or administrator."""
    request = context.get("request")
    if request is None:
        return None
    return dashboard.build(request)
