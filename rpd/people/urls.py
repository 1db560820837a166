from django.urls import path

from . import views

urlpatterns = [
    path("demo/sign-in/", views.demo_sign_in, name="demo-sign-in"),
    path("accounts/organisation/", views.organisation_sign_in, name="organisation-sign-in"),
    path("accounts/invitation/<str:token>/", views.invitation, name="invitation"),
    path("accounts/your-account/", views.your_account, name="your-account"),
    # Before allauth's own, which it replaces (rpd.urls includes this module first).
    path("accounts/email/", views.change_address, name="account_email"),
    path("accounts/password/change/", views.change_password, name="account_change_password"),
]
