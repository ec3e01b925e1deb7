"""The visitor's address, for rate limits and login lock-outs.

Behind the proxy every request comes from the proxy's address, so counting by ``REMOTE_ADDR``
would put every visitor in one bucket. With ``CLIENT_IP_HEADER`` set (compose.yaml's nginx sends
``X-Real-IP``, overwriting whatever a client sent), the address is read from that header; a
request that reaches an app server without it (a health check, a direct call) falls back to
``REMOTE_ADDR``. Never set the header's name on a server clients reach directly: they could then
choose their own address.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "").strip()
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR", "")
