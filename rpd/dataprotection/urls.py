from django.urls import path

from . import views

app_name = "dataprotection"
G = "information-governance/"
urlpatterns = [
    path(G, views.search, name="search"),
    path(G + "export/", views.export, name="export"),
    path(G + "cases/<int:pk>/", views.case, name="case"),
    path(G + "cases/<int:pk>/restrict/", views.restrict, name="restrict"),
    path(G + "cases/<int:pk>/rectify/", views.rectify, name="rectify"),
    path(G + "cases/<int:pk>/restrictions/<int:request_pk>/lift/", views.lift, name="lift"),
    path(G + "cases/<int:pk>/hold/", views.hold, name="hold"),
    path(G + "cases/<int:pk>/holds/<int:hold_pk>/lift/", views.lift_hold, name="lift-hold"),
    path(G + "reads/", views.reader, name="reader"),
    path(G + "retention/", views.retention_page, name="retention"),
    path(G + "retention/<slug:slug>/policy/", views.retention_policy, name="retention-policy"),
    path(G + "retention/<slug:slug>/erase/", views.erase, name="erase"),
]
