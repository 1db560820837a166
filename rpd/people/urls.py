from django.urls import path

from . import views

urlpatterns = [
    path("demo/sign-in/", views.demo_sign_in, name="demo-sign-in"),
    path("accounts/organisation/", views.organisation_sign_in, name="organisation-sign-in"),
]
