"""The settings the tests run under: the project's own, in development mode.

RPD's settings are production unless RPD_DEBUG=1 says otherwise (docs/deploy.md); the
tests ask for development explicitly, here, before rpd.settings is read. Tests of the
production defaults run `rpd` in a fresh process of their own (tests/subprocess_rpd.py).
"""

import os

os.environ.setdefault("RPD_DEBUG", "1")

from rpd.settings import *  # noqa: E402, F403

# Each request's reads written as it answers, so a test reads them back at once; the
# gathering a web process does is tested on its own (tests/dataprotection).
RPD_ACCESS_LOG_FLUSH_SECONDS = 0
