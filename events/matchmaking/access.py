"""Who is signed in to an event's matchmaking pages.

A participant signs in with the private link of their registration (``services.access_url``):
the link's page posts a form, and the session then holds the profile's id and a digest of its
token, per event. Renewing the token (``profile.renew_token()``) revokes the link and every
session opened with it. A logged-in representative of the company of a profile of the event is
signed in as that profile too (their own registration first, when the company sent several
people).

A cancelled registration signs nobody in.
"""

import hashlib
import hmac

from ..models import Registration
from .models import MatchmakingProfile

SESSION_KEY = "matchmaking"


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def participants(event):
    """The event's profiles whose registration still stands (confirmed or waiting)."""
    return (
        MatchmakingProfile.objects.filter(event=event)
        .exclude(registration__status=Registration.Status.CANCELLED)
        .select_related("registration", "company", "event")
    )


def _session_entries(request):
    entries = request.session.get(SESSION_KEY)
    return dict(entries) if isinstance(entries, dict) else {}


def _from_session(request, event):
    entry = _session_entries(request).get(str(event.pk))
    if not isinstance(entry, dict) or not isinstance(entry.get("profile"), int):
        return None
    profile = participants(event).filter(pk=entry["profile"]).first()
    token = entry.get("token")
    if profile is None or not isinstance(token, str):
        return None
    if not hmac.compare_digest(_digest(profile.access_token), token):
        return None  # the link was renewed since: this session no longer counts
    profile.via_link = True
    return profile


def _from_account(request, event):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    candidates = list(
        participants(event)
        .filter(
            pk__in=MatchmakingProfile.objects.filter(
                event=event, company__representatives__user=user
            ).values("pk")
        )
        .order_by("pk")
    )
    if not candidates:
        return None
    email = (user.email or "").casefold()
    own = [profile for profile in candidates if email and profile.email.casefold() == email]
    profile = (own or candidates)[0]
    profile.via_link = False
    return profile


def signed_in_profile(request, event):
    """The profile of ``event`` this request acts as, or None (cached on the request)."""
    cache = request.__dict__.setdefault("_matchmaking_profiles", {})
    if event.pk not in cache:
        cache[event.pk] = _from_session(request, event) or _from_account(request, event)
    return cache[event.pk]


def sign_in(request, profile):
    """Remember ``profile`` for its event in a new session key (no fixation)."""
    request.session.cycle_key()
    entries = _session_entries(request)
    entries[str(profile.event_id)] = {
        "profile": profile.pk,
        "token": _digest(profile.access_token),
    }
    request.session[SESSION_KEY] = entries
    request.__dict__.pop("_matchmaking_profiles", None)


def sign_out(request, event):
    entries = _session_entries(request)
    if entries.pop(str(event.pk), None) is not None:
        request.session[SESSION_KEY] = entries
    request.__dict__.pop("_matchmaking_profiles", None)
