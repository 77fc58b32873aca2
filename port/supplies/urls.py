"""The inventory's own pages. The distribution report (`supplies:report`) and a lot's page
(`supplies:lot`) read encounters, so their views live in port.outreach and port/urls.py adds them to
this namespace (`supplies`, set there)."""

from django.urls import path

from port.supplies import views

urlpatterns = [
    path("", views.inventory, name="inventory"),
    path("receive/", views.receive, name="receive"),
    path("transfer/", views.transfer, name="transfer"),
    path("write-off/", views.write_off, name="write_off"),
    path("ledger/", views.ledger, name="ledger"),
]
