"""Several identical app servers on one machine, as production runs them behind a proxy.

gunicorn instances on different loopback addresses and ports share one PostgreSQL database, one
Redis database (cache and rate limits) and one S3 bucket on a local S3 server (moto, from PyPI);
sessions live in the shared database. Nothing but the environment tells the nodes apart, exactly
as with compose.yaml. tests/deploy/test_multinode.py and bench/soak.py drive it; ``Visitor`` is a
small browser (cookies, CSRF, forms as the page has them) that talks to any node.
"""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES = os.environ.get("MULTINODE_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("MULTINODE_REDIS", "redis://127.0.0.1:6379/11")
S3_KEYS = {"S3_ACCESS_KEY_ID": "portal-nodes", "S3_SECRET_ACCESS_KEY": "portal-nodes"}
ADMIN_PASSWORD = "multinode-admin-pw"


def free_port(host="127.0.0.1"):
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_for(check, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {timeout} s")


def postgres(database, *statements):
    import psycopg2

    connection = psycopg2.connect(f"{POSTGRES}/{database}")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            rows = []
            for statement in statements:
                cursor.execute(statement)
                rows.append(cursor.fetchall() if cursor.description else None)
            return rows
    finally:
        connection.close()


def reachable(url):
    """Whether PostgreSQL and Redis answer here (the multi-node test skips otherwise)."""
    import redis

    try:
        postgres("postgres", "SELECT 1")
        redis.Redis.from_url(url).ping()
    except Exception:
        return False
    return True


class S3Server:
    """A moto S3 server in its own process (the app servers are other processes)."""

    def __init__(self, workdir, endpoint=None):
        self.endpoint, self.process, self.log = endpoint, None, workdir / "s3.log"

    def start(self):
        if self.endpoint:
            return self
        port = free_port()
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.endpoint = f"http://127.0.0.1:{port}"
        wait_for(lambda: requests.get(self.endpoint, timeout=2).ok, 30, "the S3 server")
        return self

    def create_bucket(self, name):
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=S3_KEYS["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_KEYS["S3_SECRET_ACCESS_KEY"],
            region_name="us-east-1",
        )
        client.create_bucket(Bucket=name)
        # Anyone reads public/, nobody private/: the policy compose.yaml's s3-init sets.
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["s3:GetObject"],
                    "Resource": [f"arn:aws:s3:::{name}/public/*"],
                }
            ],
        }
        client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        return client

    def stop(self):
        stop_process(self.process)


def stop_process(process, timeout=20):
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Node:
    """One app server: gunicorn on its own loopback address and port."""

    def __init__(self, name, host, env, workdir, workers):
        self.name, self.host, self.env, self.workers = name, host, env, workers
        self.port = free_port(host)
        self.log = workdir / f"{name}.log"
        self.process = None

    @property
    def base(self):
        return f"http://{self.host}:{self.port}"

    def start(self):
        command = [
            str(Path(PYTHON).with_name("gunicorn")),
            "portal.wsgi:application",
            "--bind",
            f"{self.host}:{self.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            "60",
            "--no-control-socket",
            "--chdir",
            str(BASE_DIR),
        ]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: requests.get(f"{self.base}/healthz", timeout=2).ok, 60, self.name)
        return self

    def stop(self):
        stop_process(self.process)

    def errors(self):
        return self.log.read_text()[-4000:] if self.log.exists() else ""


class Deployment:
    """The shared services and ``nodes`` app servers; ``with Deployment(...) as deployment:``."""

    def __init__(
        self, workdir, nodes=2, workers=2, database="portal_multinode", companies=20, env=None
    ):
        self.workdir = Path(workdir)
        self.database, self.companies = database, companies
        self.bucket = f"portal-{secrets.token_hex(4)}"
        self.s3 = S3Server(self.workdir, os.environ.get("S3_TEST_ENDPOINT"))
        self.extra_env, self.node_count, self.workers = env or {}, nodes, workers
        self.nodes = []

    def environment(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "portal.settings",
                "DEBUG": "false",
                "SECRET_KEY": self.secret_key,
                "ALLOWED_HOSTS": "127.0.0.1,127.0.0.2,127.0.0.3,localhost",
                "DATABASE_URL": f"{POSTGRES}/{self.database}",
                "CACHE_URL": REDIS,
                "SECURE_SSL_REDIRECT": "false",
                "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
                "S3_BUCKET": self.bucket,
                "S3_ENDPOINT_URL": self.s3.endpoint,
                "S3_URL_PROTOCOL": "http:",
                "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(BASE_DIR),
                **S3_KEYS,
            }
        )
        env.update(self.extra_env)
        return env

    def manage(self, *arguments, env=None):
        result = subprocess.run(
            [PYTHON, "manage.py", *arguments],
            cwd=BASE_DIR,
            env={**self.environment(), **(env or {})},
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {arguments[0]} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def __enter__(self):
        self.secret_key = secrets.token_urlsafe(50)
        self.s3.start()
        self.s3.create_bucket(self.bucket)
        postgres(
            "postgres",
            f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)',
            f'CREATE DATABASE "{self.database}"',
        )
        import redis

        redis.Redis.from_url(REDIS).flushdb()
        self.manage("collectstatic", "--noinput", "-v0")
        self.manage(
            "setup_portal",
            "--companies",
            str(self.companies),
            "--admin-password",
            ADMIN_PASSWORD,
            env={"RATELIMIT_ENABLE": "false"},
        )
        hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
        env = self.environment()
        for index in range(self.node_count):
            node = Node(f"node{index + 1}", hosts[index % 3], env, self.workdir, self.workers)
            self.nodes.append(node.start())
        return self

    def __exit__(self, *exc):
        for node in self.nodes:
            node.stop()
        self.s3.stop()
        try:
            postgres("postgres", f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        except Exception:  # PostgreSQL may be the thing a soak run left down; nothing to clean
            pass


class Visitor:
    """A browser without a screen: keeps its cookies (the portal's are Secure with DEBUG off,
    which a client library would not send over plain HTTP), reads a page's form and posts it back
    with some fields changed, as a person does."""

    def __init__(self):
        self.cookies = {}
        self.http = requests.Session()

    def request(self, method, url, **kwargs):
        response = self.http.request(
            method, url, cookies=self.cookies, allow_redirects=False, timeout=30, **kwargs
        )
        for name, value in response.cookies.items():
            self.cookies[name] = value
        return response

    def get(self, url):
        return self.request("GET", url)

    def submit(self, url, form_index=0, values=None, files=None, action=None, selector=None):
        """GET ``url``, fill its form with what it holds plus ``values``, POST it."""
        from bs4 import BeautifulSoup

        page = self.get(url)
        if page.status_code != 200:
            raise RuntimeError(f"GET {url} answered {page.status_code}, not a page with a form")
        soup = BeautifulSoup(page.text, "html.parser")
        forms = (
            soup.select(selector)
            if selector
            else soup.find_all("form", method=re.compile("post", re.I))
        )
        data = form_data(forms[form_index])
        for name, value in (values or {}).items():
            data[name] = value if isinstance(value, list) else [value]
        target = action or forms[form_index].get("action") or url
        if target.startswith("/"):
            target = url.split("/", 3)[0] + "//" + url.split("/", 3)[2] + target
        elif not target.startswith("http"):
            target = url
        fields = [(name, value) for name, values in data.items() for value in values]
        return self.request("POST", target, data=fields, files=files, headers={"Referer": url})


def form_data(form):
    """What a browser would send for ``form`` untouched: {name: [values]}."""
    data = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.has_attr("disabled"):
            continue
        if field.name == "select":
            chosen = [
                o.get("value", o.text) for o in field.find_all("option") if o.has_attr("selected")
            ]
            if not chosen and not field.has_attr("multiple"):
                first = field.find("option")
                chosen = [first.get("value", first.text)] if first else []
            data.setdefault(name, []).extend(chosen)
        elif field.name == "textarea":
            # A browser drops the line break that opens a textarea's content.
            data.setdefault(name, []).append(field.text.removeprefix("\n"))
        else:
            kind = field.get("type", "text").lower()
            if kind in {"checkbox", "radio"}:
                if field.has_attr("checked"):
                    data.setdefault(name, []).append(field.get("value", "on"))
            elif kind not in {"submit", "button", "image", "file", "reset"}:
                data.setdefault(name, []).append(field.get("value", ""))
    return data
