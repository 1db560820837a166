from django.urls import path

from . import views

app_name = "oversight"
P = "partnerships/<slug:slug>/"
C = P + "cases/<int:pk>/"  # a case's documents
urlpatterns = [
    path("oversight/register/", views.register_page, name="region-register"),
    path(P + "register/", views.register_page, name="register"),
    path("oversight/figures/", views.figures_page, name="region-figures"),
    path(P + "figures/", views.figures_page, name="figures"),
    path(P + "report/", views.report_page, name="report"),
    path(P + "learning/", views.learning_page, name="learning"),
    path(P + "learning/add/", views.learning_add, name="learning-add"),
    path(P + "learning/<int:pk>/", views.learning_item, name="learning-item"),
    path(C + "forms/<slug:form_id>/<int:version>/", views.form_version, name="form-version"),
    path(
        C + "forms/<slug:form_id>/<int:version>.<str:kind>",
        views.form_version,
        name="form-version-file",
    ),
    path(C + "copy/<int:agency_id>/", views.case_copy, name="case-copy"),
    path(C + "copy/<int:agency_id>.<str:kind>", views.case_copy, name="case-copy-file"),
    path(
        C + "records/<int:record_id>/copy/<int:agency_id>/", views.record_copy, name="record-copy"
    ),
    path(
        C + "records/<int:record_id>/copy/<int:agency_id>.<str:kind>",
        views.record_copy,
        name="record-copy-file",
    ),
    path(
        "oversight/register/export.<str:kind>", views.register_export, name="region-register-export"
    ),
    path(P + "register/export.<str:kind>", views.register_export, name="register-export"),
    path("oversight/figures/export.<str:kind>", views.figures_export, name="region-figures-export"),
    path(P + "figures/export.<str:kind>", views.figures_export, name="figures-export"),
]
