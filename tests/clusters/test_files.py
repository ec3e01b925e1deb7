"""Uploads on disk and in S3 (a local moto server): public files by plain URL, private ones only
through signed links that expire, whichever app server signed them."""

import posixpath
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile

from clusters import files
from projects.models import ProjectDocument
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a project plan\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "public"
    return tmp_path


def document(project, internal, name="plan.pdf"):
    return ProjectDocument.objects.create(
        project=project,
        title_en="Project plan",
        internal=internal,
        file=SimpleUploadedFile(name, PDF, content_type="application/pdf"),
    )


def test_an_internal_document_is_stored_apart_and_linked_with_a_signature(media, client):
    doc = document(factories.project(), internal=True)
    assert doc.file.name.startswith("internal/projects/documents/")
    assert not (media / "public" / doc.file.name).exists()
    assert storages["private"].exists(doc.file.name)

    url = doc.file.url
    assert url.startswith("/files/") and url.endswith("/" + posixpath.basename(doc.file.name))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment")
    assert client.post(url).status_code == 405


def test_a_public_document_keeps_a_plain_url_served_without_debug(media, client):
    doc = document(factories.project(), internal=False)
    assert doc.file.name.startswith("projects/documents/")
    assert (media / "public" / doc.file.name).read_bytes() == PDF
    assert doc.file.url == "/media/" + doc.file.name
    # SERVE_MEDIA is on without S3: uploads are not a 404 with DEBUG off.
    response = client.get(doc.file.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_expired_forged_and_renamed_links_are_refused(media, client):
    doc = document(factories.project(), internal=True)
    url = doc.file.url
    token, filename = url.split("/")[2:4]
    later = signing.time.time() + 601
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert client.get(url).status_code == 403
    assert client.get(url.replace(token, token[:-2] + "xx")).status_code == 404
    assert client.get(url.replace(filename, "other.pdf")).status_code == 404
    forged = signing.dumps(doc.file.name, salt="another purpose", compress=True)
    assert client.get(f"/files/{forged}/{filename}").status_code == 404
    doc.file.storage.delete(doc.file.name)
    assert client.get(url).status_code == 404


def test_a_public_file_cannot_be_fetched_through_the_private_view(media, client):
    doc = document(factories.project(), internal=False)
    assert client.get(files.signed_url(doc.file.name)).status_code == 404


@pytest.mark.parametrize("internal_after", [True, False])
def test_changing_the_mark_moves_the_file(
    media, internal_after, django_capture_on_commit_callbacks
):
    doc = document(factories.project(), internal=not internal_after)
    old_name, old_storage = doc.file.name, doc.file.storage._pick(doc.file.name)
    doc.internal = internal_after
    with django_capture_on_commit_callbacks(execute=True):
        doc.save()
    doc.refresh_from_db()
    assert files.SplitStorage.is_private(doc.file.name) is internal_after
    with doc.file.open("rb") as moved:
        assert moved.read() == PDF
    assert not old_storage.exists(old_name)


def test_only_the_projects_coordinators_see_internal_documents(media, client):
    cluster, other = factories.cluster(), factories.cluster()
    project = factories.project()
    project.clusters.add(cluster)
    document(project, internal=False, name="public.pdf")
    internal = document(project, internal=True, name="budget.pdf")
    # The stored name: the private storage is shared by the run, another test may hold the name.
    budget = Path(internal.file.name).name.encode()
    url = project.get_absolute_url()

    page = client.get(url)
    assert b"public.pdf" in page.content and budget not in page.content
    assert "no-store" not in page.get("Cache-Control", "")

    client.force_login(factories.coordinator(other, is_staff=True))
    assert budget not in client.get(url).content

    client.force_login(factories.coordinator(cluster, is_staff=True))
    page = client.get(url)
    assert budget in page.content and b"/files/" in page.content
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]


# --- S3 (moto) ------------------------------------------------------------------------------


def test_uploads_go_to_the_bucket_public_and_private_apart(s3_bucket, client):
    s3, bucket = s3_bucket
    company = factories.company()
    company.logo.save("logo.png", ContentFile(b"\x89PNG logo"), save=True)
    assert company.logo.name.startswith("companies/logo")
    key = "public/" + company.logo.name
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"\x89PNG logo"
    # The public URL needs no signature: any app server, or the proxy, hands it out as it is.
    url = company.logo.url
    assert "X-Amz-Signature" not in url and url.endswith(key)
    with urllib.request.urlopen(url) as response:  # noqa: S310 - the local moto server
        assert response.read() == b"\x89PNG logo"

    doc = document(factories.project(), internal=True)
    private_key = "private/" + doc.file.name
    assert s3.get_object(Bucket=bucket, Key=private_key)["Body"].read() == PDF
    grants = s3.get_object_acl(Bucket=bucket, Key=private_key)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner only
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url.replace(key, private_key))  # noqa: S310
    assert refused.value.code == 403
    refused.value.close()
    response = client.get(doc.file.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_files_waiting_in_an_import_are_shared_through_the_private_storage(s3_bucket):
    from import_export.tmp_storages import MediaStorage

    s3, bucket = s3_bucket
    stored = MediaStorage()
    stored.save(b"name;country\nAcme;FI\n")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["private/django-import-export/" + stored.name]
    # Another app server reads it back by name (the confirm step).
    assert MediaStorage(name=stored.name).read() == b"name;country\nAcme;FI\n"


def test_readyz_checks_the_bucket(s3_bucket, client):
    assert client.get("/readyz").status_code == 200
    assert default_storage.listdir("")[1] == []  # the probe cleaned up after itself
