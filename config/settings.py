"""Zhengwu settings.

Every deployment parameter comes from the environment; docs/operations.md lists them.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ZHENGWU_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("ZHENGWU_DEBUG", False)
# A key that once shipped in the source: known to everyone, refused outside DEBUG.
_PUBLISHED_SECRET = "zhengwu-embedded-default-not-for-production"  # noqa: S105


def _embedded_secret_key(path: Path) -> str:
    """Without ZHENGWU_SECRET_KEY, a random key generated once into VAR_DIR/secret_key (0600),
    so an embedded installation never runs on a key (or demo passwords) derivable from the
    source. O_EXCL: of two processes starting at once, one writes and the other reads."""
    try:
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


SECRET_KEY = env_str("ZHENGWU_SECRET_KEY", "") or _embedded_secret_key(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("ZHENGWU_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("ZHENGWU_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Platform apps first: their templates and translations take precedence over contrib apps.
    # Kernel (layer 1)
    "zhengwu.core",
    "zhengwu.identifiers",
    "zhengwu.audit",
    "zhengwu.workdays",
    "zhengwu.files",
    "zhengwu.notify",
    "zhengwu.directory",
    "zhengwu.identity",
    # Engines (layer 2)
    "zhengwu.workflow",
    "zhengwu.signing",
    "zhengwu.search",
    "zhengwu.licences",
    "zhengwu.exchange",
    # Domains (layer 3)
    "zhengwu.eservices",
    "zhengwu.portal",
    "zhengwu.documents",
    "zhengwu.supervision",
    # Shell (layer 4)
    "zhengwu.workbench",
    "zhengwu.public_site",
    # Django and third-party apps
    "zhengwu.workbench.admin_config.ZhengwuAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    # Wagtail (the portal's CMS, zhengwu.portal) after the platform apps, so our templates and
    # translations win.
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "zhengwu.audit.middleware.RequestContextMiddleware",
    "zhengwu.identity.middleware.IdleTimeoutMiddleware",
    "zhengwu.identity.middleware.AccountObligationsMiddleware",
    "zhengwu.core.access.AccessPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhengwu.public_site.context_processors.site_identity",
                "zhengwu.workbench.context_processors.workbench",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'zhengwu.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("ZHENGWU_DB_CONN_MAX_AGE", 0)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A fresh checkout has no var/ yet; the embedded default must work with zero setup.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at BEGIN so
    # two concurrent writers queue on busy_timeout instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("ZHENGWU_TEST_SQLITE_NAME", "") or ":memory:"}
# Django's backends with pre-commit hooks (zhengwu/core/db/hooks.py: the audit trail appends a
# transaction's entries at commit).
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.sqlite3": "zhengwu.core.db.sqlite3",
    "django.db.backends.postgresql": "zhengwu.core.db.postgresql",
}.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "directory.Account"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "zhengwu.directory.backends.RoleBackend",
]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "workbench:home"
LOGOUT_REDIRECT_URL = "public_site:home"

# 等保 2.0 level 3 password rules (GB/T 22239-2019 §8.1.4.1): see zhengwu/identity/passwords.py.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "zhengwu.identity.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "zhengwu.identity.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "zhengwu.identity.passwords.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("ZHENGWU_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("ZHENGWU_MEDIA_ROOT", str(VAR_DIR / "media")))

# Believe X-Real-IP (set by the reverse proxy) for the audit trail's client address; only enable
# when nginx sets it, otherwise clients could choose the address recorded (zhengwu/audit).
ZHENGWU_TRUST_X_REAL_IP = env_bool("ZHENGWU_TRUST_X_REAL_IP", False)
# The auditor's Excel export stops after this many rows (newest first) and says so.
ZHENGWU_AUDIT_EXPORT_MAX_ROWS = env_int("ZHENGWU_AUDIT_EXPORT_MAX_ROWS", 100_000)

# Django's database sessions, read with a prepared query (zhengwu/identity/session_store.py).
SESSION_ENGINE = "zhengwu.identity.session_store"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("ZHENGWU_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env_int("ZHENGWU_SESSION_MAX_AGE_SECONDS", 12 * 3600)
# Idle timeouts (等保 2.0 §8.1.4.1 d): staff 30 minutes by default.
ZHENGWU_STAFF_IDLE_TIMEOUT_MINUTES = env_int("ZHENGWU_STAFF_IDLE_TIMEOUT_MINUTES", 30)
ZHENGWU_PUBLIC_IDLE_TIMEOUT_MINUTES = env_int("ZHENGWU_PUBLIC_IDLE_TIMEOUT_MINUTES", 60)

# Lockout after 5 failures for 15 minutes (等保 2.0 §8.1.4.1 b), per user name.
AXES_FAILURE_LIMIT = env_int("ZHENGWU_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("ZHENGWU_LOGIN_LOCKOUT_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "zhengwu.identity.views.lockout_response"
# One notion of the client address for lockout records and the audit trail (REMOTE_ADDR, or
# nginx's X-Real-IP when trusted); X-Forwarded-For is never believed.
AXES_CLIENT_IP_CALLABLE = "zhengwu.audit.middleware.client_ip"
# Per-address throttle against lockout abuse: after this many failures from one address within
# the lockout window (any user names), that address is refused before passwords are checked.
ZHENGWU_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("ZHENGWU_LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_VERBOSE = False
# Attempts during a lockout do not extend it, so the retry time shown to the user holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# W006 warns that per-user-name lockout ignores the address; that is the intent here (failures
# are summed over every address and browser for the name), see docs/modules/identity.md.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

OTP_TOTP_ISSUER = env_str("ZHENGWU_TOTP_ISSUER", "云泽市政务平台")
# Never show TOTP secrets in any admin page (device administration is by audited actions).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Service catalogue (zhengwu.eservices): the role that reviews items before publication (in the
# item's organisation) and the working days the review step may take.
ZHENGWU_ESERVICES_REVIEW_ROLE = env_str("ZHENGWU_ESERVICES_REVIEW_ROLE", "leader")
ZHENGWU_ESERVICES_REVIEW_DAYS = env_int("ZHENGWU_ESERVICES_REVIEW_DAYS", 3)

# Uploads (zhengwu.files)
ZHENGWU_UPLOAD_MAX_BYTES = env_int("ZHENGWU_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("ZHENGWU_REQUEST_MAX_BYTES", 50 * 1024 * 1024)
# The first handler stops a file part as soon as it exceeds ZHENGWU_UPLOAD_MAX_BYTES, before the
# rest reaches memory or disk (DATA_UPLOAD_MAX_MEMORY_SIZE does not count file parts).
FILE_UPLOAD_HANDLERS = [
    "zhengwu.files.handlers.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Signing (docs/modules/signing.md): secret that encrypts unit private keys at rest (defaults to
# one derived from SECRET_KEY), an optional CJK font file for generated seal images, and whether a
# unit that never had a certificate gets one from the built-in CA when it first signs.
ZHENGWU_SIGNING_KEY = env_str("ZHENGWU_SIGNING_KEY", "")
ZHENGWU_SIGNING_SEAL_FONT = env_str("ZHENGWU_SIGNING_SEAL_FONT", "")
ZHENGWU_SIGNING_AUTO_ISSUE = env_bool("ZHENGWU_SIGNING_AUTO_ISSUE", True)

# Notifications (zhengwu.notify)
ZHENGWU_SMS_PROVIDER = env_str(
    "ZHENGWU_SMS_PROVIDER", "zhengwu.notify.providers.LogFileSmsProvider"
)
ZHENGWU_SMS_LOG_FILE = Path(env_str("ZHENGWU_SMS_LOG_FILE", str(VAR_DIR / "log" / "sms.log")))
EMAIL_BACKEND = env_str("ZHENGWU_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("ZHENGWU_EMAIL_FILE_PATH", str(VAR_DIR / "log" / "mail"))
EMAIL_HOST = env_str("ZHENGWU_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ZHENGWU_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("ZHENGWU_DEFAULT_FROM_EMAIL", "noreply@yunze.gov.example")
# The platform's public address ("https://www.yunze.gov.example"): site-path links in SMS and
# e-mail are made absolute with it; empty leaves such links out of SMS/e-mail.
ZHENGWU_BASE_URL = env_str("ZHENGWU_BASE_URL", "")
# Hosts besides ALLOWED_HOSTS that notification links may point to (e.g. a department's site).
ZHENGWU_NOTIFY_LINK_HOSTS = env_list("ZHENGWU_NOTIFY_LINK_HOSTS", [])

# Working-day calendar (zhengwu.workdays): seconds a process trusts its cached calendar.
ZHENGWU_WORKDAYS_CACHE_SECONDS = env_int("ZHENGWU_WORKDAYS_CACHE_SECONDS", 10)

# Public site identity (政府网站发展指引 §5.1: 网站标识码, 备案号, 主办/承办单位).
ZHENGWU_SITE = {
    "name": env_str("ZHENGWU_SITE_NAME", "云泽市人民政府"),
    "site_code": env_str("ZHENGWU_SITE_CODE", "9901000001"),
    "icp": env_str("ZHENGWU_SITE_ICP", "云ICP备99010001号"),
    "police_record": env_str("ZHENGWU_SITE_POLICE_RECORD", "云公网安备 99010002000001号"),
    "sponsor": env_str("ZHENGWU_SITE_SPONSOR", "云泽市人民政府办公室"),
    "operator": env_str("ZHENGWU_SITE_OPERATOR", "云泽市大数据中心"),
    "contact_phone": env_str("ZHENGWU_SITE_CONTACT_PHONE", "0999-12345"),
    "contact_email": env_str("ZHENGWU_SITE_CONTACT_EMAIL", "webmaster@yunze.gov.example"),
    "address": env_str("ZHENGWU_SITE_ADDRESS", "云泽市行政中心1号楼"),
    # The city the site belongs to (GB/T 2260 code of a Region in the directory).
    "region_code": env_str("ZHENGWU_SITE_REGION_CODE", "990100"),
}

# Portal CMS (Wagtail, zhengwu.portal; docs/modules/portal.md). Its admin lives at /workbench/cms/
# on the platform's own session and login (lockout, TOTP); passwords are managed by identity.
WAGTAIL_SITE_NAME = ZHENGWU_SITE["name"]
WAGTAILADMIN_BASE_URL = env_str("ZHENGWU_BASE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_LOGIN_URL = "/accounts/login/"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAIL_I18N_ENABLED = False
WAGTAIL_ALLOW_UNICODE_SLUGS = False  # page paths are also file paths in the static export
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_SERVE_METHOD = "serve_view"  # documents go through Wagtail's privacy checks
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ofd", "wps", "et", "zip", "txt"]
WAGTAIL_ENABLE_UPDATE_CHECK = False  # government networks are offline
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# Where published pages are written as static HTML for nginx (tamper-checked by portal_verify).
PORTAL_PUBLISH_DIR = Path(env_str("PORTAL_PUBLISH_DIR", str(VAR_DIR / "publish")))
# The host name readers use (the static export is rendered as if requested on it).
PORTAL_PUBLIC_HOST = env_str("PORTAL_PUBLIC_HOST", "localhost")
# App-level cache of anonymous portal pages (zhengwu/portal/pagecache.py); 0 switches it off.
PORTAL_PAGE_CACHE_SECONDS = env_int("PORTAL_PAGE_CACHE_SECONDS", 600)
# Its generation stamp: touched on every publish/directory change, stat()ed per request.
PORTAL_PAGE_CACHE_STAMP = Path(
    env_str("PORTAL_PAGE_CACHE_STAMP", str(VAR_DIR / "portal-page-cache.stamp"))
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ZHENGWU_LOG_LEVEL", "WARNING")},
}

if not DEBUG and SECRET_KEY == _PUBLISHED_SECRET:
    raise RuntimeError("ZHENGWU_SECRET_KEY is the key published in the source; set a secret one")
if env_bool("ZHENGWU_PRODUCTION", False) and not env_str("ZHENGWU_SECRET_KEY", ""):
    # Several application servers must share one key; a per-machine generated file would not.
    raise RuntimeError("ZHENGWU_SECRET_KEY must be set in production")

# Electronic licences (zhengwu.licences): CSS font list of the licence PDFs; the QR code's
# verification URL is built from ZHENGWU_BASE_URL (docs/modules/licences.md).
ZHENGWU_LICENCE_FONT_FAMILY = env_str(
    "ZHENGWU_LICENCE_FONT_FAMILY", '"Noto Serif CJK SC", "Noto Sans CJK SC", serif'
)
