import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rpd.settings")
application = get_wsgi_application()

from rpd import warm  # noqa: E402  (after Django is set up)

if warm.enabled():
    warm.warm_up()
