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
    path(G + "reads/", views.reader, name="reader"),
]
