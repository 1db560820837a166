from django.urls import include, path

urlpatterns = [
    path("", include("rpd.pathways.urls")),
    path("", include("rpd.notifications.urls")),
]
