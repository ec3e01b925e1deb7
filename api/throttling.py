"""The API's rate limit per client: ``API_RATELIMIT`` requests (e.g. ``600/h``) for each address,
counted by the portal's own rate-limit counter (clusters/abuse.py: Redis through django-ratelimit,
or RateLimitCount rows on the database), so it holds across workers and app servers. Beyond it,
DRF answers 429 with ``Retry-After``: the seconds until the client's window ends."""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from clusters import abuse

GROUP = "api"
DEFAULT_RATE = "600/h"


def api_rate(group, request):
    return getattr(settings, "API_RATELIMIT", DEFAULT_RATE)


class ApiRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        self.retry_after = None
        http_request = getattr(request, "_request", request)
        if abuse.is_limited(http_request, GROUP, api_rate):
            self.retry_after = abuse.retry_after(http_request, GROUP, api_rate)
            return False
        return True

    def wait(self):
        return self.retry_after
