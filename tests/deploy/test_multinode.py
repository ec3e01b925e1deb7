"""Two app servers on different loopback addresses and ports, sharing one PostgreSQL, one Redis
and one S3 bucket (a local moto server), as the production configuration runs them behind a
proxy (bench/nodes.py). What one node accepts, the other serves."""

import io
import time

import pytest
from django.conf import settings
from PIL import Image

from bench.nodes import ADMIN_PASSWORD, REDIS, Deployment, Visitor, postgres, reachable

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
        or not reachable(REDIS),
        reason="the multi-node test runs with PostgreSQL and Redis (the CI's PostgreSQL run)",
    ),
]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, worker_id):
    workdir = tmp_path_factory.mktemp("nodes")
    env = {"PASSWORD_RESET_EMAIL_RATELIMIT": "3/h"}
    with Deployment(workdir, database=f"portal_multinode_{worker_id}", env=env) as running:
        yield running


@pytest.fixture(scope="module")
def company(deployment):
    [[row]] = postgres(
        deployment.database,
        "SELECT id, slug FROM companies_company WHERE is_published ORDER BY id LIMIT 1",
    )
    return {"id": row[0], "slug": row[1]}


def admin(node):
    visitor = Visitor()
    response = visitor.submit(
        f"{node.base}/en/admin/login/?next=/en/admin/",
        values={"username": "admin", "password": ADMIN_PASSWORD},
    )
    assert response.status_code == 302, node.errors()
    return visitor


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_login_on_one_node_is_valid_on_the_other(deployment):
    one, other = deployment.nodes
    assert one.host != other.host and one.port != other.port
    visitor = admin(one)
    response = visitor.get(f"{other.base}/en/admin/")
    assert response.status_code == 200
    assert "admin" in response.text


def test_a_logo_uploaded_through_one_node_is_served_by_the_other(deployment, company):
    one, other = deployment.nodes
    logo = png()
    change = f"{one.base}/en/admin/companies/company/{company['id']}/change/"
    response = admin(one).submit(
        change,
        selector="form#company_form",
        files={"logo": ("logo.png", logo, "image/png")},
    )
    assert response.status_code == 302, response.text[:3000]

    page = Visitor().get(f"{other.base}/en/companies/{company['slug']}/")
    assert page.status_code == 200
    [url] = {src for src in _images(page.text) if "/public/companies/" in src}
    assert url.startswith(deployment.s3.endpoint)  # the bucket, not one node's disk
    served = Visitor().get(url)
    assert served.status_code == 200 and served.content == logo


def test_an_edit_through_one_node_shows_in_the_others_directory_within_2_s(deployment, company):
    one, other = deployment.nodes
    name = "Kvarken Laserworks Oy"
    change = f"{one.base}/en/admin/companies/company/{company['id']}/change/"
    response = admin(one).submit(
        change, selector="form#company_form", values={"name_en": name, "name": name}
    )
    assert response.status_code == 302, response.text[:3000]
    saved = time.monotonic()
    search = f"{other.base}/en/companies/?q=laserworks"
    while "Kvarken Laserworks" not in Visitor().get(search).text:
        assert time.monotonic() - saved < 2.0, "the other node's directory did not show the edit"
        time.sleep(0.05)


def test_the_rate_limit_counts_across_both_nodes(deployment):
    one, other = deployment.nodes
    answers = []
    for node in (one, other, one, other):
        response = Visitor().submit(
            f"{node.base}/en/my-company/password/reset/",
            values={"email": "nobody-in-particular@example.org"},
        )
        answers.append(response.status_code)
    # Three requests an hour per address, counted in the shared Redis: the fourth is refused,
    # though each node has seen only two.
    assert answers == [302, 302, 302, 429]


def _images(html):
    from bs4 import BeautifulSoup

    return [img.get("src", "") for img in BeautifulSoup(html, "html.parser").find_all("img")]
