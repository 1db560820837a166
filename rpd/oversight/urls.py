from django.urls import path

from . import views

app_name = "oversight"
P = "partnerships/<slug:slug>/"
urlpatterns = [
    path("oversight/register/", views.register_page, name="region-register"),
    path(P + "register/", views.register_page, name="register"),
    path("oversight/figures/", views.figures_page, name="region-figures"),
    path(P + "figures/", views.figures_page, name="figures"),
]
