from django.urls import path

from port.consent import views

app_name = "consent"

urlpatterns = [
    path("participants/<uuid:public_id>/new/", views.consent_kinds, name="kinds"),
    path("participants/<uuid:public_id>/new/<slug:kind>/", views.consent_new, name="new"),
    path("participants/<uuid:public_id>/disclosures/", views.accounting, name="accounting"),
    path("participants/<uuid:public_id>/disclosures/print/", views.accounting_print, name="accounting_print"),
    path("participants/<uuid:public_id>/disclosures.csv", views.accounting_csv, name="accounting_csv"),
    path("disclosures/<int:pk>/", views.disclosure_detail, name="disclosure"),
    path("forms/", views.blank_forms, name="blank_forms"),
    path("forms/<slug:kind>/<slug:language>/", views.blank_form, name="blank_form"),
    path("shared/<uuid:public_id>/", views.shared_participant, name="shared_participant"),
    path("<uuid:public_id>/", views.consent_detail, name="detail"),
    path("<uuid:public_id>/revoke/", views.consent_revoke_view, name="revoke"),
    path("<uuid:public_id>/print/", views.consent_print, name="print"),
    path("<uuid:public_id>/signature.png", views.consent_signature, name="signature"),
]
