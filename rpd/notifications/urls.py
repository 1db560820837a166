from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    # The token is secrets.token_urlsafe: letters, digits, "-" and "_", as a slug is.
    path("calendar/<slug:token>.ics", views.calendar_feed, name="calendar-feed"),
    # A signed token: letters, digits, ":", "-" and "_".
    path("notices/preferences/<str:token>/", views.notice_preferences, name="preferences"),
]
