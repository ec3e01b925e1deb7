"""What every answer of the API carries: the licence (CC BY 4.0) in its ``links`` and in an HTTP
``Link: <…>; rel="license"`` header, the language of its texts and how to credit the data."""

from django.conf import settings
from django.urls import reverse

LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_NAME = "CC BY 4.0"
LICENSE_LINK = f'<{LICENSE_URL}>; rel="license"'


def attribution():
    return f"Cluster portal, {settings.SITE_URL}/ ({LICENSE_NAME})"


def add_license_header(response):
    response["Link"] = LICENSE_LINK
    return response


def common_links(request):
    return {"license": LICENSE_URL, "docs": request.build_absolute_uri(reverse("api:docs"))}


def common_meta(language):
    return {"language": language, "license": LICENSE_NAME, "attribution": attribution()}
