from django.shortcuts import get_object_or_404, render

from .models import Event


def event_list(request):
    events = Event.objects.published().select_related("municipality", "organizer", "cluster")
    context = {"upcoming": events.upcoming()[:50], "past": events.past()[:50]}
    return render(request, "events/event_list.html", context)


def event_detail(request, slug):
    event = get_object_or_404(
        Event.objects.published().select_related("municipality__region", "organizer", "cluster", "project"),
        slug=slug,
    )
    return render(request, "events/event_detail.html", {"event": event})
