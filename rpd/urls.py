from django.urls import include, path

from rpd import health
from rpd.disagreements.views.my_work import my_work

urlpatterns = [
    path("", my_work, name="home"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("", include("rpd.disagreements.urls")),
    path("", include("rpd.people.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("rpd.pathways.urls")),
    path("", include("rpd.notifications.urls")),
    path("", include("rpd.administration.urls")),
    path("", include("rpd.onboarding.urls")),
    path("", include("rpd.dataprotection.urls")),
    path("", include("rpd.oversight.urls")),
]
