from django.urls import path

from .views import agencies, partnership, people, roles

app_name = "administration"
P = "partnerships/<slug:slug>/"
urlpatterns = [
    path("partnerships/", partnership.choose, name="choose"),
    path(P, partnership.home, name="home"),
    path(P + "details/", partnership.details, name="details"),
    path(P + "details/closure-days/add/", partnership.add_closure_day, name="add-closure-day"),
    path(
        P + "details/closure-days/remove/",
        partnership.remove_closure_day,
        name="remove-closure-day",
    ),
    path(P + "details/<slug:field>/", partnership.detail, name="detail"),
    path(P + "agencies/", agencies.agencies, name="agencies"),
    path(P + "agencies/add/", agencies.add_agency, name="add-agency"),
    path(P + "agencies/add/check/", agencies.add_agency_check, name="add-agency-check"),
    path(P + "agencies/join/", agencies.join_agency, name="join-agency"),
    path(P + "agencies/requests/<int:pk>/", agencies.join_request, name="join-request"),
    path(P + "agencies/<int:pk>/", agencies.agency, name="agency"),
    path(P + "agencies/<int:pk>/rungs/add/", agencies.add_rung, name="add-rung"),
    path(P + "agencies/<int:pk>/rungs/<int:rung_pk>/", agencies.rung, name="rung"),
    path(
        P + "agencies/<int:pk>/rungs/<int:rung_pk>/remove/",
        agencies.remove_rung,
        name="remove-rung",
    ),
    path(P + "agencies/<int:pk>/<slug:field>/", agencies.agency_field, name="agency-field"),
    path(P + "people/", people.people, name="people"),
    path(P + "people/add/", people.add_person, name="add-person"),
    path(P + "people/invite/", people.invite, name="invite"),
    path(P + "people/add/check/", people.add_person_check, name="add-person-check"),
    path(P + "people/<int:pk>/", people.person, name="person"),
    path(P + "people/<int:pk>/roles/", people.roles_of, name="roles-of"),
    path(P + "people/<int:pk>/move/", people.move, name="move"),
    path(P + "people/<int:pk>/move/hand-over/", people.move_hand_over, name="move-hand-over"),
    path(P + "people/<int:pk>/deactivate/", people.deactivate, name="deactivate"),
    path(P + "people/<int:pk>/reactivate/", people.reactivate, name="reactivate"),
    path(P + "people/<int:pk>/<slug:field>/", people.person_field, name="person-field"),
    path(P + "roles/", roles.roles, name="roles"),
    path(P + "roles/holders/<int:pk>/remove/", roles.remove_holder, name="remove-holder"),
    path(P + "roles/<slug:role_id>/add/", roles.add_holder, name="add-holder"),
    path(P + "roles/<slug:role_id>/add/check/", roles.add_holder_check, name="add-holder-check"),
    path(P + "stand-ins/", roles.stand_ins, name="stand-ins"),
    path(P + "stand-ins/add/", roles.add_stand_in, name="add-stand-in"),
    path(P + "stand-ins/add/check/", roles.add_stand_in_check, name="add-stand-in-check"),
    path(P + "stand-ins/<int:pk>/remove/", roles.remove_stand_in, name="remove-stand-in"),
]
