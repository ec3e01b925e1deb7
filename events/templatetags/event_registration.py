"""``{% registration_form as form %}``: an empty registration form for the event page's aside,
so that the page (owned by the event views) needs nothing from the registration code."""

from django import template

from events.forms import RegistrationForm

register = template.Library()


@register.simple_tag
def registration_form():
    return RegistrationForm()
