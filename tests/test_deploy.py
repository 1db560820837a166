"""Production settings: Django's deployment check is clean, and the headers are set."""

import os
import subprocess
import sys

PRODUCTION = {
    "RPD_DEBUG": "0",
    "RPD_SECRET_KEY": "synthetic-production-key-" + "x7Qv9pLm2Rt8Wz4Kd6Hs1Nb3Yc5Fg0Ja" * 2,
    "RPD_ALLOWED_HOSTS": "rpd.example.org",
    "RPD_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "RPD_CSRF_TRUSTED_ORIGINS": "https://rpd.example.org",
    "RPD_BASE_URL": "https://rpd.example.org",
}


def clean_environment() -> dict:
    """This process's environment without RPD's settings, nor the browser tests'
    DJANGO_ALLOW_ASYNC_UNSAFE, which a deployment must not have."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("RPD_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }


def run_django(*args, env=None):
    environment = clean_environment()
    environment.update(env or {}, DJANGO_SETTINGS_MODULE="rpd.settings")
    environment["RPD_DATA_DIR"] = os.environ.get("RPD_DATA_DIR", "")
    return subprocess.run(
        [sys.executable, "-m", "django", *args], env=environment, capture_output=True, text=True
    )


def test_the_deploy_check_is_clean_with_production_settings():
    result = run_django("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_warns_about_development_settings():
    # The check above can fail: with development values it does.
    result = run_django("check", "--deploy", "--fail-level", "WARNING", env={"RPD_DEBUG": "1"})
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG on


def test_production_cookies_are_secure_and_sent_only_over_https():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.CSRF_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_PROXY_SSL_HEADER, s.STORAGES['staticfiles']['BACKEND'])"
    )
    environment = clean_environment()
    environment.update(PRODUCTION, DJANGO_SETTINGS_MODULE="rpd.settings")
    out = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True
    ).stdout.split(" ", 6)
    assert out[:6] == ["True", "True", "True", "True", "31536000", "True"]
    assert "('HTTP_X_FORWARDED_PROTO', 'https')" in out[6]
    assert "rpd.staticstorage.StaticStorage" in out[6]
