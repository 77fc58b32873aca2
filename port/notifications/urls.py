from django.urls import path

from port.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("read/", views.mark_all_read, name="mark_all_read"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
]
