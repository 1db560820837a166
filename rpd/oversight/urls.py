from django.urls import path

from . import views

app_name = "oversight"
P = "partnerships/<slug:slug>/"
urlpatterns = [
    path("oversight/register/", views.register_page, name="region-register"),
    path(P + "register/", views.register_page, name="register"),
    path("oversight/figures/", views.figures_page, name="region-figures"),
    path(P + "figures/", views.figures_page, name="figures"),
    path(P + "report/", views.report_page, name="report"),
    path(P + "learning/", views.learning_page, name="learning"),
    path(P + "learning/add/", views.learning_add, name="learning-add"),
    path(P + "learning/<int:pk>/", views.learning_item, name="learning-item"),
    path("oversight/register/export.<str:kind>", views.register_export),
    path(P + "register/export.<str:kind>", views.register_export, name="register-export"),
    path("oversight/figures/export.<str:kind>", views.figures_export),
    path(P + "figures/export.<str:kind>", views.figures_export, name="figures-export"),
]
