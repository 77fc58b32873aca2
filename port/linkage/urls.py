from django.urls import path

from port.linkage import views

app_name = "linkage"

urlpatterns = [
    path("participants/<uuid:public_id>/refer/", views.handoff_new, name="handoff_new"),
    path("participants/<uuid:public_id>/refer/find/", views.handoff_find, name="handoff_find"),
    path("handoffs/<uuid:public_id>/", views.handoff_detail, name="handoff"),
    path("handoffs/<uuid:public_id>/change/", views.handoff_transition_view, name="handoff_transition"),
    path("handoffs/<uuid:public_id>/reported/", views.handoff_report_view, name="handoff_report"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/outcome/", views.task_outcome, name="task_outcome"),
    path("shared/", views.shared_list, name="shared"),
    path("shared/handoffs/<uuid:public_id>/", views.shared_handoff, name="shared_handoff"),
    path("shared/handoffs/<uuid:public_id>/update/", views.shared_handoff_update, name="shared_handoff_update"),
]
