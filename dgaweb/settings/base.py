"""Settings shared by every environment, read from the environment (django-environ).

`dev` (the default of manage.py), `test` and `production` build on this module; see the README's
configuration table for every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "import_export",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    # Answer and response history kept by PostgreSQL triggers (none on SQLite): surveys/models.py.
    "pgtrigger",
    "pghistory",
    # {% load rules %} in templates; each app registers its rules in AppConfig.ready().
    "rules",
    "csp",
    # Multi-factor authentication: authenticator apps (TOTP) and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "dgaweb",
    "agencies",
    "surveys",
    "awards",
    "results",
    # The security event log; after axes, whose receivers must run before its own.
    "security",
]

MIDDLEWARE = [
    # First: every log line below it, and every response, carries the request's id.
    "common.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, so static files keep their own headers; above the rest, so that every
    # other response (a redirect, a 403 or a 422 too) gets the CSP and the cache rule.
    "csp.middleware.CSPMiddleware",
    "common.cache_control.PrivateNoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dgaweb.middleware.ThaiFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Records every 403 with its user and path, and keeps the request for the event log's
    # receivers (security/middleware.py).
    "security.middleware.SecurityEventMiddleware",
    # The user and URL of each POST go with its writes to the history triggers (common/history.py).
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Before any middleware or view reads the body (CSRF and NUL checks read it in process_view).
    "common.request_size.RequestSizeMiddleware",
    "common.middleware.NulCharacterMiddleware",
    # After authentication, messages and htmx: ends idle and old sessions, then asks for the
    # second factor wherever agencies.mfa.mfa_required says so (agencies/middleware.py).
    "agencies.middleware.SessionLifetimeMiddleware",
    "agencies.middleware.MfaMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dgaweb.urls"
WSGI_APPLICATION = "dgaweb.wsgi.application"
# Where the admin answers, e.g. "office-7f3a/": a path nobody guesses keeps scanners off its login
# page. Relative, ending with a slash (cookiecutter-django's DJANGO_ADMIN_URL).
ADMIN_URL = env("ADMIN_URL", default="admin/")
if ADMIN_URL.startswith("/") or not ADMIN_URL.endswith("/"):
    raise ImproperlyConfigured(f'ADMIN_URL must look like "admin/" (got "{ADMIN_URL}").')

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The embedded default is a SQLite file so that `make run` needs nothing but Python; the test
# settings and docker compose use PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Keep database connections open between requests (seconds); checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg binds parameters on the server and prepares a statement after 5 uses: an autosave
    # then costs about a third less CPU (bench/autosave.py). Behind PgBouncer this needs session
    # pooling or PgBouncer 1.21+ with max_prepared_statements set.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Object permissions: the django-rules predicates of each app's permissions.py.
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Thai first, English second. ThaiFirstLocaleMiddleware ignores the browser's Accept-Language:
# the language is Thai until the user picks English with the switcher (a cookie).
LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party front-end files come pinned from the npm registry (package.json) and are served
# straight out of node_modules under a vendor/ prefix; none of their code lives in this repository.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/sarabun", NODE_MODULES / "@fontsource" / "sarabun"),
]
# Files browsers ask for at the site's root (favicon.ico), served there by WhiteNoise.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Evidence files respondents attach: at most this many megabytes each.
EVIDENCE_MAX_MB = env.int("EVIDENCE_MAX_MB", default=10)
EVIDENCE_MAX_BYTES = EVIDENCE_MAX_MB * 1024 * 1024
# ... at most this many files and megabytes for one question, and for one agency's questionnaire.
EVIDENCE_MAX_FILES_PER_QUESTION = env.int("EVIDENCE_MAX_FILES_PER_QUESTION", default=10)
EVIDENCE_MAX_MB_PER_QUESTION = env.int("EVIDENCE_MAX_MB_PER_QUESTION", default=50)
EVIDENCE_MAX_FILES_PER_RESPONSE = env.int("EVIDENCE_MAX_FILES_PER_RESPONSE", default=100)
EVIDENCE_MAX_MB_PER_RESPONSE = env.int("EVIDENCE_MAX_MB_PER_RESPONSE", default=300)
# A request whose body is larger than this is refused with 413 before any of it is read
# (common/request_size.py); Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count files.
REQUEST_MAX_MB = env.int("REQUEST_MAX_MB", default=EVIDENCE_MAX_MB + 1)
# The virus scanner: clamd's socket, or its host and port. When set, every evidence file is
# scanned before it is kept, and refused while clamd is down (surveys/evidence.py).
CLAMD_SOCKET = env("CLAMD_SOCKET", default="")
CLAMD_HOST = env("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)
CLAMD_TIMEOUT = env.int("CLAMD_TIMEOUT", default=60)
# Uploads bigger than this are streamed to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The address of the site as users reach it, for links in e-mails (invitations, reminders).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# E-mail: EMAIL_URL in django-environ's form, e.g. smtp+tls://user:password@smtp.example.org:587
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="dgaweb <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# How many reverse proxies in front of gunicorn append to X-Forwarded-For: 0 (the default) trusts
# REMOTE_ADDR alone. The login lockout and the password-reset limit count per client address, and
# behind a proxy every client would otherwise have the proxy's address.
REVERSE_PROXY_COUNT = env.int("REVERSE_PROXY_COUNT", default=0)
# Whom a locked-out user is told to write to.
SUPPORT_EMAIL = env("SUPPORT_EMAIL", default="contact@dga.or.th")

# Brute-force protection of both login pages, the site's and the admin's (django-axes, database
# handler: DGA's superusers see and delete the lockouts under "Axes" in the admin).
# After LOGIN_FAILURE_LIMIT wrong passwords for one account from one client address, that account
# is refused from that address, the right password included, for LOGIN_LOCKOUT_MINUTES after the
# last attempt. Account and address together, because agencies reach the site through shared NAT
# addresses (by address alone, one person's typos would lock out a whole ministry) and because by
# account alone anyone could lock any official out by typing their e-mail address with a wrong
# password; together an attacker still gets only LOGIN_FAILURE_LIMIT guesses per address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
# Django's AuthenticationForm posts the e-mail address (our USERNAME_FIELD) as "username".
AXES_USERNAME_FORM_FIELD = "username"
# ... counted in lower case, as the login matches it.
AXES_USERNAME_CALLABLE = "agencies.ratelimits.login_username"
AXES_CLIENT_IP_CALLABLE = "agencies.ratelimits.client_ip_address"
# The lockout page in the user's language, with 429 Too Many Requests.
AXES_LOCKOUT_CALLABLE = "agencies.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Only failed attempts are stored: a row for every successful login would grow without end and hold
# personal data nobody reads.
AXES_DISABLE_ACCESS_LOG = True
# Sessions end after SESSION_IDLE_MINUTES_* without a request (staff and the committee sooner
# than agency people) and SESSION_MAX_HOURS after the login in any case (agencies/middleware.py).
SESSION_IDLE_MINUTES_STAFF = env.int("SESSION_IDLE_MINUTES_STAFF", default=30)
SESSION_IDLE_MINUTES_RESPONDENT = env.int("SESSION_IDLE_MINUTES_RESPONDENT", default=8 * 60)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
# The names the authenticator app shows beside the six-digit code.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="dgaweb")
# Password-reset e-mails: at most this many an hour for one address, and from one client address.
PASSWORD_RESET_EMAIL_LIMIT = env.int("PASSWORD_RESET_EMAIL_LIMIT", default=3)
PASSWORD_RESET_IP_LIMIT = env.int("PASSWORD_RESET_IP_LIMIT", default=20)

# Celery. Without REDIS_URL tasks run in-process (eager), which `make run` relies on; dgaweb's
# AppConfig logs a line saying so at start-up. With REDIS_URL a real worker runs them.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="dgaweb")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged only when it has finished, so the chunk of a worker that dies is redone.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=660)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers log through LOGGING below, as the site does: time, level, and the id of the request that
# queued the task (common/request_id.py).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A message taken by a worker that died unacknowledged goes back to the queue once it is older
# than the visibility timeout; workers look for such messages every CELERY_UNACKED_RESTORE_SECONDS
# (kombu's own sweep is only every ~100 s) and a dead worker's scan lock expires after a minute.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 60),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_SECONDS", default=10),
    "unacked_restore_throttle": 1,
    "unacked_mutex_expire": env.int("CELERY_UNACKED_MUTEX_SECONDS", default=60),
}
# The periodic job (`make beat`) scores what scoring missed: see surveys.scores.scores_reconcile.
CELERY_BEAT_SCHEDULE = {
    "scores-reconcile": {
        "task": "surveys.scores_reconcile",
        "schedule": env.int("SCORES_RECONCILE_SECONDS", default=300),
    }
}
# How many responses one Celery task scores in a recompute.
SCORING_CHUNK_SIZE = env.int("SCORING_CHUNK_SIZE", default=100)

# The cache holds the password-reset counters: in Redis, so that every web worker shares them;
# without REDIS_URL (`make run`, one process) in memory.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "dgaweb",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# The open-data API (/api/v1/): read-only JSON for everyone, documented by its OpenAPI schema.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 500,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "dgaweb open data API",
    "DESCRIPTION": "Published results of Thailand's Digital Government Readiness Survey and the "
    "Digital Government Awards: years, aggregates and winners. Read-only; years are B.E.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Browser protections (README, "Security"). A strict Content-Security-Policy: scripts, styles, fonts
# and data come from this site only; no inline script, style or on* attribute anywhere (our pages,
# the admin, the API documentation), no eval; no one may frame a page. htmx is told not to add its
# own <style> (includeIndicatorStyles in the htmx-config meta tags). The API documentation's ReDoc
# needs a little more, on that page only (results/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
# Sent by Django's SecurityMiddleware: links to other sites carry no path of ours (it may name an
# agency or a response), and no window another site opens can reach into ours.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Which responses browsers and proxies may keep (common/cache_control.py): only these public ones;
# every other response gets `Cache-Control: no-store`. PUBLIC_PAGES are public when answered to an
# anonymous visitor (a logged-in user's page names them); PUBLIC_FOR_EVERYONE never read the
# session. "ns:*" is all of a namespace.
PUBLIC_PAGES = [
    "home",
    "awards:index",
    "awards:results",
    "awards:export",
    "awards:certificate",
    "results:open_data",
    "results:dictionary",
    "results:package",
]
PUBLIC_FOR_EVERYONE = ["api:*"]

# History (common/history.py): only requests that change something carry a context, and a GET
# then sends nothing extra to PostgreSQL.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

IMPORT_EXPORT_USE_TRANSACTIONS = True
# Every import is written to the admin log, so DGA staff can see who changed the registry.
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Time, level, the request's id ("-" outside a request; common/request_id.py), logger, text.
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "filters": {"request_id": {"()": "common.request_id.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # fontTools logs every subsetting step of a certificate's fonts at INFO.
        "fontTools": {"level": "WARNING"},
    },
}

# Error tracking: off unless SENTRY_DSN is set (any server that speaks the Sentry protocol:
# sentry.io, a self-hosted Sentry or GlitchTip). Reports name no person: no user, cookies, IP
# address or request body (answers and evidence stay on our servers); each carries its request_id.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# Import needs the "add" permission of the model, export the "view" one.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
