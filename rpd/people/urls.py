from django.urls import path

from . import views

urlpatterns = [
    path("demo/sign-in/", views.demo_sign_in, name="demo-sign-in"),
]
