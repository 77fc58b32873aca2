from django.urls import path

from port.referrals.views import imports, intake, queue

app_name = "referrals"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("mine/", queue.my_queue, name="my_queue"),
    path("new/", intake.referral_new, name="new"),
    path("sent/", intake.sent, name="sent"),
    path("import/", imports.upload, name="import_upload"),
    path("import/template.csv", imports.template, name="import_template"),
    path("import/<int:pk>/", imports.preview, name="import_preview"),
    path("import/<int:pk>/confirm/", imports.confirm, name="import_confirm"),
    path("import/<int:pk>/rejected.csv", imports.rejected_csv, name="import_rejected"),
    path("<uuid:public_id>/", queue.referral_detail, name="detail"),
    path("<uuid:public_id>/assign/", queue.assign, name="assign"),
    path("<uuid:public_id>/status/", queue.transition, name="transition"),
    path("<uuid:public_id>/reopen/", queue.reopen, name="reopen"),
]
