"""Text helpers of the makers: lists, first letters, translated fields, dates."""

from .words import AND, MONTHS_EN


def join_items(items, language):
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {AND[language]} {items[-1]}"


def lower_first(text):
    """'Stainless steel' → 'stainless steel' inside a list; 'CNC turning' and 'ISO 9001' stay."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and not first[1:].islower():
        return text
    return text[:1].lower() + text[1:]


def translated(obj, field, language):
    return (
        getattr(obj, f"{field}_{language}", None)
        or getattr(obj, f"{field}_en", None)
        or getattr(obj, field)
    )


def format_date(value, language):
    """A date as each language writes it, without depending on the process locale."""
    if language == "en":
        return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
    if language in ("fi", "pl"):
        return (
            f"{value.day}.{value.month}.{value.year}"
            if language == "fi"
            else value.strftime("%d.%m.%Y")
        )
    return value.isoformat()
