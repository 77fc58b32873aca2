from django.urls import path

from port.directory import views

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    path("services/<int:pk>/", views.service, name="service"),
]
