from django.urls import path

from port.api.api import api

urlpatterns = [path("", api.urls)]
