from django.urls import path

from port.supplies import views

app_name = "supplies"

urlpatterns = [
    path("", views.inventory, name="inventory"),
    path("receive/", views.receive, name="receive"),
    path("transfer/", views.transfer, name="transfer"),
    path("write-off/", views.write_off, name="write_off"),
    path("ledger/", views.ledger, name="ledger"),
    path("report/", views.report, name="report"),
    path("lots/<int:pk>/", views.lot_detail, name="lot"),
]
