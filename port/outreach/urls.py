from django.urls import path

from port.outreach import views

app_name = "outreach"

urlpatterns = [
    path("referrals/<uuid:public_id>/attempts/new/", views.attempt_new, name="attempt_new"),
    path(
        "referrals/<uuid:public_id>/close-unable-to-reach/", views.close_unable_to_reach, name="close_unable_to_reach"
    ),
    path("participants/<uuid:public_id>/encounters/new/", views.encounter_new, name="encounter_new"),
    path("participants/<uuid:public_id>/supporters/", views.supporter_list, name="supporters"),
    path("participants/<uuid:public_id>/barc10/new/", views.barc10_new, name="barc10_new"),
    path("participants/<uuid:public_id>/supporters/new/", views.supporter_new, name="supporter_new"),
    path("supporters/<int:pk>/edit/", views.supporter_edit, name="supporter_edit"),
    path("encounters/<int:pk>/", views.encounter_detail, name="encounter_detail"),
    path("encounters/<int:pk>/edit/", views.encounter_edit, name="encounter_edit"),
    path("encounters/<int:pk>/addenda/", views.encounter_addendum, name="encounter_addendum"),
]
