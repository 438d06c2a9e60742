"""The browser protections every response carries, checked over the URL resolver (every site
pattern × every role of the access matrix, and every admin pattern), not over a hand list:

- a strict Content-Security-Policy: `frame-ancestors 'none'`, scripts and styles from this site
  only, no 'unsafe-inline' or 'unsafe-eval' (the API's ReDoc page adds two style hashes and blob:
  workers, nothing more), with X-Frame-Options DENY, Referrer-Policy and Cross-Origin-Opener-Policy;
- no page the site serves holds an inline script, a <style>, a style="" or on* attribute, an hx-on
  attribute or a javascript: link (which the policy would refuse, so the page would break);
- `Cache-Control: no-store` on every response that is not public (settings.PUBLIC_PAGES answered
  to an anonymous visitor, and the API): logged-in pages, the admin, evidence, reports and exports;
  public pages and static files keep their own caching.

Chromium checks that the pages work under the policy: dgaweb/tests/test_browser_csp.py.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.http import HttpResponse
from django.templatetags.static import static
from django.test import Client
from django.urls import resolve, reverse

from common.cache_control import PrivateNoStoreMiddleware
from dgaweb.tests import test_access_matrix as matrix
from dgaweb.tests.test_access_matrix import ACCESS, ROLES, URL_KWARGS, admin_patterns, clients

# The access matrix's data (three years, two agencies, a person of every role), as a fixture here.
world = matrix.world
BASE_DIR = Path(settings.BASE_DIR)


# The policy --------------------------------------------------------------------------------------


def directives(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.get("Content-Security-Policy", "")
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
# The only additions any page may have: the API's ReDoc page (results/api/urls.py).
REDOC_STYLE_HASHES = {
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
}


def policy_problems(response, where: str) -> list[str]:
    """What is wrong with the response's policy and the headers beside it."""
    url = response.wsgi_request.path
    problems = []
    policy = directives(response)
    for name, sources in STRICT.items():
        if policy.get(name) != sources:
            problems.append(f"{where}: {name} is {policy.get(name)}, not {sources}")
    styles = policy.get("style-src", [])
    if styles[:1] != ["'self'"] or not set(styles[1:]) <= REDOC_STYLE_HASHES:
        problems.append(f"{where}: style-src is {styles}")
    if styles[1:] and url != reverse("api:docs"):
        problems.append(f"{where}: style hashes are for the ReDoc page only")
    if "worker-src" in policy and (url != reverse("api:docs") or policy["worker-src"] != ["blob:"]):
        problems.append(f"{where}: worker-src is {policy['worker-src']}")
    if "unsafe" in response.get("Content-Security-Policy", ""):
        problems.append(f"{where}: the policy allows something unsafe")
    for header, value in {
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }.items():
        if response.get(header) != value:
            problems.append(f"{where}: {header} is {response.get(header)!r}, not {value!r}")
    return problems


# What a page holds ------------------------------------------------------------------------------


class InlineCode(HTMLParser):
    """Collects what a strict policy refuses in an HTML page: script elements with code in them,
    <style> elements, style="" and on* attributes, hx-on attributes and javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        # A JSON data block (json_script) is data, not code: the policy does not apply to it.
        if (
            tag == "script"
            and "src" not in attributes
            and attributes.get("type") != "application/json"
        ):
            self.found.append(f"<script> without src at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name, value in attrs:
            if name == "style" or name.startswith(("on", "hx-on")):
                self.found.append(f'<{tag} {name}="{value}"> at line {self.getpos()[0]}')
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f'<{tag} {name}="{value}"> at line {self.getpos()[0]}')


def inline_code(response) -> list[str]:
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return []
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser.found


# The cache rule ---------------------------------------------------------------------------------


def is_public(name: str, role: str) -> bool:
    """The rule of common/cache_control.py, as README states it."""
    namespace = name.rpartition(":")[0]
    if f"{namespace}:*" in settings.PUBLIC_FOR_EVERYONE:
        return True
    return name in settings.PUBLIC_PAGES and role == "anonymous"


def cache_problem(response, url: str, public: bool) -> str | None:
    cache_control = response.get("Cache-Control", "")
    stored = "no-store" not in [part.strip() for part in cache_control.split(",")]
    if public and not stored:
        return f"{url}: public, but Cache-Control is {cache_control!r}"
    if not public and stored:
        return f"{url}: not public, but Cache-Control is {cache_control!r}"
    return None


def get(client, url):
    response = client.get(url)
    if response.streaming:
        # Read to the end, which closes the file (see test_access_matrix.fetch).
        b"".join(response.streaming_content)
    return response


# The tests --------------------------------------------------------------------------------------


def test_every_site_page_has_the_policy_no_inline_code_and_the_cache_rule(world):
    by_role = clients(world)
    problems = []
    for key in ACCESS:
        name = key.split(" [")[0]
        url = reverse(name, kwargs=URL_KWARGS[key](world) if key in URL_KWARGS else None)
        for role in ROLES:
            response = get(by_role[role], url)
            where = f"{url} as {role} ({response.status_code})"
            problems += policy_problems(response, where)
            problems += [f"{where}: {found}" for found in inline_code(response)]
            problems.append(cache_problem(response, where, is_public(name, role)))
    problems = [problem for problem in problems if problem]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_every_admin_page_has_the_policy_no_inline_code_and_no_store(world):
    by_role = clients(world)
    problems, pages = [], 0
    for name, route in admin_patterns():
        url = matrix.admin_url(name, route)
        if url is None:
            continue
        for role in ("anonymous", "superuser"):
            response = get(by_role[role], url)
            where = f"{url} as {role} ({response.status_code})"
            pages += response.status_code == 200 and role == "superuser"
            problems += policy_problems(response, where)
            problems += [f"{where}: {found}" for found in inline_code(response)]
            problems.append(cache_problem(response, where, public=False))
    problems = [problem for problem in problems if problem]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
    assert pages >= 100  # the walk really saw the admin's pages, not only its login page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # close() ends the connection
def test_static_files_keep_their_own_caching(client):
    response = get(client, static("css/dgaweb.css"))
    response.close()

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age" in response["Cache-Control"]


def test_a_logged_in_users_public_page_is_not_stored_even_if_the_view_says_public(rf, respondent):
    """A view's own caching gives way to no-store when the page is not public."""

    def view(request):
        response = HttpResponse("Alice's page")
        response["Cache-Control"] = "public, max-age=3600"
        return response

    request = rf.get("/")
    request.user = respondent
    request.resolver_match = resolve("/")

    response = PrivateNoStoreMiddleware(view)(request)

    assert response["Cache-Control"] == "no-store"


def test_the_documented_public_pages_exist():
    """PUBLIC_PAGES names real patterns: a renamed view would otherwise lose its caching unseen."""
    names = matrix.site_pattern_names()
    assert set(settings.PUBLIC_PAGES) <= names
    for pattern in settings.PUBLIC_FOR_EVERYONE:
        namespace = pattern.removesuffix(":*")
        assert any(name.startswith(f"{namespace}:") for name in names)


# The templates, before any page is rendered ---------------------------------------------------

# The project's templates and its own apps' (not the packages' in .venv).
TEMPLATE_DIRS = [BASE_DIR / "templates"] + [
    Path(config.path) / "templates"
    for config in apps.get_app_configs()
    if Path(config.path).parent == BASE_DIR and (Path(config.path) / "templates").is_dir()
]
# What the policy refuses, as it would be written in a template.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|<[a-z][^>]*\s(?:style|on[a-z]+|hx-on[\w:-]*)\s*=|"
    r"javascript:",
    re.IGNORECASE,
)

COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)


@pytest.mark.parametrize("directory", TEMPLATE_DIRS, ids=lambda d: str(d.relative_to(BASE_DIR)))
def test_no_template_holds_inline_script_or_style(directory):
    """E-mails are not pages (mail programs need their styles inline): they are left out."""
    found = []
    for path in directory.rglob("*.html"):
        if "email" in path.name or "/email/" in str(path):
            continue
        text = COMMENT.sub(lambda comment: "\n" * comment.group().count("\n"), path.read_text())
        for number, line in enumerate(text.splitlines(), start=1):
            if INLINE.search(line):
                found.append(f"{path.relative_to(BASE_DIR)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_csrf_failure_page_holds_no_inline_style(db):
    """Django's own page for a refused form has a <style>; ours (403_csrf.html) has none."""
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": "alice@alpha.example"})

    assert response.status_code == 403
    assert "ส่งแบบฟอร์มไม่สำเร็จ" in response.content.decode()  # in Thai, in the site's page
    assert inline_code(response) == []
    assert policy_problems(response, "the CSRF failure page") == []
    assert response["Cache-Control"] == "no-store"
