from django.urls import include, path

urlpatterns = [
    path("", include("rpd.people.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("rpd.pathways.urls")),
    path("", include("rpd.notifications.urls")),
]
