from django.urls import path

from .views import actions, disagreement, forms_page, my_work, oversight, pathway_admin, raise_

app_name = "disagreements"
urlpatterns = [
    path("disagreements/new/", raise_.start, name="raise"),
    path("disagreements/new/partnership/", raise_.partnership, name="raise-partnership"),
    path("disagreements/new/urgent/", raise_.urgent, name="raise-urgent"),
    path("disagreements/new/practice/", raise_.practice, name="raise-practice"),
    path("disagreements/new/elsewhere/", raise_.elsewhere, name="raise-elsewhere"),
    path("disagreements/new/check/", raise_.check, name="raise-check"),
    path("disagreements/new/raised/<int:pk>/", raise_.done, name="raise-done"),
    path("disagreements/new/<slug:step>/", raise_.step, name="raise-step"),
    path("disagreements/closed/", my_work.closed, name="closed"),
    # The address every email links to (notifications.outbox.disagreement_link).
    path("disagreements/<int:pk>/", disagreement.detail, name="detail"),
    # The address a form's notices link to (notifications.outbox.form_link).
    path("disagreements/<int:pk>/forms/<slug:form_id>/", forms_page.form_page, name="form"),
    path("disagreements/<int:pk>/<slug:action>/", actions.act, name="act"),
    path("oversight/", oversight.oversight, name="oversight"),
    # A partnership administrator's pathway pages (the partnership's home links here).
    path("partnerships/<slug:slug>/pathway/", pathway_admin.overview, name="pathway"),
    path("partnerships/<slug:slug>/pathway/upload/", pathway_admin.upload, name="pathway-upload"),
    path(
        "partnerships/<slug:slug>/pathway/versions/<int:pk>/",
        pathway_admin.version,
        name="pathway-version",
    ),
    path(
        "partnerships/<slug:slug>/pathway/versions/<int:pk>/switch/",
        pathway_admin.switch,
        name="pathway-switch",
    ),
]
