from django.urls import path

from port.participants import views

app_name = "participants"

urlpatterns = [
    path("", views.participant_search, name="search"),
    path("review/", views.review_list, name="review_list"),
    path("review/<int:pk>/", views.review, name="review"),
    path("<uuid:public_id>/", views.participant_detail, name="detail"),
    path("<uuid:public_id>/merge/", views.merge_choose, name="merge_choose"),
    path("<uuid:public_id>/merge/<uuid:other_id>/", views.merge_confirm, name="merge_confirm"),
]
