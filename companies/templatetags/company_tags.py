from django import template

register = template.Library()


@register.filter
def take(items, count):
    """The first ``count`` items of a prefetched list."""
    return list(items)[: int(count)]


@register.filter
def beyond(items, count):
    """How many items there are after the first ``count``."""
    return max(len(list(items)) - int(count), 0)
