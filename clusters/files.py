"""Private files: kept apart from public uploads and reached only through signed links that expire.

Public uploads (logos, public project documents) live in the ``default`` storage and have plain
URLs. Private files (internal project documents) live in the ``private`` storage, which has no
public URL on disk or in S3: the portal signs a link with the file's name and the time, and
:func:`private_file` serves it while the signature is younger than ``PRIVATE_FILE_URL_MAX_AGE``.
The signature is the portal's own (``SECRET_KEY``), so every app server accepts any other's links.
"""

import mimetypes
import posixpath

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.storage import Storage, storages
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.deconstruct import deconstructible
from django.views.decorators.http import require_safe

# Names under this prefix go to the private storage (see SplitStorage).
PRIVATE_PREFIX = "internal/"
SALT = "clusters.files.private"


def signed_url(name: str) -> str:
    """A link to the private file ``name`` that works for ``PRIVATE_FILE_URL_MAX_AGE`` seconds."""
    token = signing.dumps(name, salt=SALT, compress=True)
    return reverse("private-file", args=[token, posixpath.basename(name)])


@require_safe
def private_file(request, token, filename):
    try:
        name = signing.loads(token, salt=SALT, max_age=settings.PRIVATE_FILE_URL_MAX_AGE)
    except signing.SignatureExpired:
        # The page that gave the link signs a fresh one when reloaded.
        raise PermissionDenied("expired link") from None
    except signing.BadSignature:
        raise Http404("bad link") from None
    storage = storages["private"]
    if posixpath.basename(name) != filename or not storage.exists(name):
        raise Http404("no such file")
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(
        storage.open(name, "rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    # Never kept by a shared cache, and never indexed.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@deconstructible(path="clusters.files.SplitStorage")
class SplitStorage(Storage):
    """One file field, two storages: names under ``internal/`` are private, the rest public.

    A document's ``internal`` mark decides its name (see ``upload_to``), so a field can hold both
    kinds and each file lands in the right place, on disk or in S3.
    """

    @staticmethod
    def is_private(name) -> bool:
        return str(name).startswith(PRIVATE_PREFIX)

    def _pick(self, name) -> Storage:
        return storages["private" if self.is_private(name) else "default"]

    def _open(self, name, mode="rb"):
        return self._pick(name).open(name, mode)

    def save(self, name, content, max_length=None):
        return self._pick(name).save(name, content, max_length=max_length)

    def _save(self, name, content):  # pragma: no cover - save() above never reaches it
        return self._pick(name)._save(name, content)

    def get_available_name(self, name, max_length=None):
        return self._pick(name).get_available_name(name, max_length=max_length)

    def delete(self, name):
        self._pick(name).delete(name)

    def exists(self, name):
        return self._pick(name).exists(name)

    def size(self, name):
        return self._pick(name).size(name)

    def listdir(self, path):
        return self._pick(path).listdir(path)

    def get_modified_time(self, name):
        return self._pick(name).get_modified_time(name)

    def url(self, name):
        return signed_url(name) if self.is_private(name) else storages["default"].url(name)


def move(field_file, private: bool) -> None:
    """Move the stored file of ``field_file`` to the private or the public side, keeping its
    name otherwise; the old copy is deleted once the new name is saved with the row."""
    name = field_file.name
    if not name or SplitStorage.is_private(name) == private:
        return
    storage = field_file.storage
    target = PRIVATE_PREFIX + name if private else name.removeprefix(PRIVATE_PREFIX)
    with storage.open(name, "rb") as source:
        field_file.name = storage.save(target, source)
    return name
