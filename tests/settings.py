"""The settings the tests run under: the project's own, in development mode.

RPD's settings are production unless RPD_DEBUG=1 says otherwise (docs/deploy.md); the
tests ask for development explicitly, here, before rpd.settings is read. Tests of the
production defaults run `rpd` in a fresh process of their own (tests/subprocess_rpd.py).
"""

import os

os.environ.setdefault("RPD_DEBUG", "1")
# Each request's reads written as it answers, here and in the processes tests start, so a
# test reads them back at once; a web process's gathering is tested on its own.
os.environ.setdefault("RPD_ACCESS_LOG_FLUSH_SECONDS", "0")

from rpd.settings import *  # noqa: E402, F403

# Processes the tests start (`rpd ...`) cannot import this module from where they run:
# they read rpd.settings, in development too (RPD_DEBUG=1 is in the environment they get).
os.environ["DJANGO_SETTINGS_MODULE"] = "rpd.settings"

# Production's password hasher takes half a second a sign-in, by design; the tests sign in
# hundreds of times and are not about its strength (Django's testing docs advise a faster
# one). The others stay listed, so a hash made by a process of `rpd` still checks.
from django.conf import global_settings  # noqa: E402

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    *global_settings.PASSWORD_HASHERS,
]

# A test's commits need not survive a crash of the server (its database is thrown away
# after): on PostgreSQL each connection of the tests commits without waiting for the
# write-ahead log to reach the disk. Per connection, so the server's own setting is left.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["OPTIONS"]["options"] += " -c synchronous_commit=off"  # noqa: F405
