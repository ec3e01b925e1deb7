from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .models import Event


@register(Event)
class EventTranslation(TranslationOptions):
    fields = ("title", "summary", "description", "programme", "venue_name")


register_history(Event, app=__package__)
