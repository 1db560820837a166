from django.urls import path

from . import views

app_name = "pathways"
urlpatterns = [
    path("pathways/", views.pathway_list, name="list"),
    path("pathways/<slug:pathway_id>/", views.pathway_detail, name="detail"),
]
