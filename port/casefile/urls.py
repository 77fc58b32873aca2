from django.urls import path

from port.casefile import views, views_break_glass, views_resources, views_visit_sheet

app_name = "participants"

urlpatterns = [
    path("", views.participant_search, name="search"),
    path("review/", views.review_list, name="review_list"),
    path("review/<int:pk>/", views.review, name="review"),
    path("break-glass/", views_break_glass.break_glass, name="break_glass"),
    path("break-glass/open/", views_break_glass.break_glass_open_view, name="break_glass_open"),
    path("visits/", views_visit_sheet.visits, name="visits"),
    path("<uuid:public_id>/visit-sheet/", views_visit_sheet.visit_sheet, name="visit_sheet"),
    path("<uuid:public_id>/", views.participant_detail, name="detail"),
    path("<uuid:public_id>/merge/", views.merge_choose, name="merge_choose"),
    path("<uuid:public_id>/resources/new/", views_resources.resource_list_new, name="resource_list_new"),
    path("<uuid:public_id>/resources/<int:pk>/", views_resources.resource_list, name="resource_list"),
    path("<uuid:public_id>/resources/<int:pk>/print/", views_resources.resource_list_print, name="resource_list_print"),
    path("<uuid:public_id>/merge/<uuid:other_id>/", views.merge_confirm, name="merge_confirm"),
]
