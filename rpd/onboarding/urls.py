from django.urls import path

from . import views

app_name = "onboarding"
urlpatterns = [
    path("partnerships/<slug:slug>/import/", views.import_people, name="import"),
    path("partnerships/<slug:slug>/import/template.csv", views.template, name="import-template"),
    path("partnerships/<slug:slug>/check/", views.check, name="check"),
]
