#!/bin/sh
# Liveness of an app server, for the image's HEALTHCHECK and compose.yaml: GET /healthz, which
# answers 200 while the process runs and touches neither the database nor the cache.
# With DEBUG off Django answers 400 to a Host outside ALLOWED_HOSTS, so the request names the first
# allowed host; X-Forwarded-Proto: https, as the proxy sends it behind HTTPS, spares the redirect
# to https:// (SECURE_SSL_REDIRECT), so only a real 200 counts.
host="${ALLOWED_HOSTS:-localhost}"
host="${host%%,*}"
host="$(printf '%s' "$host" | tr -d '[:space:]')"
host="${host#.}"  # ".example.org" allows example.org itself
case "$host" in "" | "*") host=localhost ;; esac
exec curl -fsS -o /dev/null --max-time 4 \
    -H "Host: $host" -H "X-Forwarded-Proto: https" http://127.0.0.1:8000/healthz
