from django.urls import path

from port.accounts import views

app_name = "accounts"

urlpatterns = [path("program/", views.program_switch, name="program_switch")]
