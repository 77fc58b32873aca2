from django.urls import path

from port.oversight import views

app_name = "audit"

urlpatterns = [
    path("", views.index, name="index"),
    path("people/", views.user_trail, name="user_trail"),
    path("people/csv/", views.user_trail_csv, name="user_trail_csv"),
    path("participants/<uuid:public_id>/", views.participant_trail, name="participant_trail"),
    path("participants/<uuid:public_id>/csv/", views.participant_trail_csv, name="participant_trail_csv"),
    path("break-glass/", views.break_glass_list, name="break_glass_list"),
    path("break-glass/csv/", views.break_glass_csv, name="break_glass_csv"),
    path("break-glass/<int:pk>/", views.break_glass_detail, name="break_glass_detail"),
]
