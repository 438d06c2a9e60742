from django.urls import path

from . import views, views_history

app_name = "surveys"

urlpatterns = [
    path("", views.response_list, name="responses"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/dimensions/<str:code>/", views.dimension_page, name="dimension"),
    path("<int:pk>/questions/<str:code>/", views.question_card, name="question"),
    path("<int:pk>/questions/<str:code>/answer/", views.answer_autosave, name="autosave"),
    path("<int:pk>/questions/<str:code>/evidence/", views.evidence_upload, name="upload"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/history/", views_history.history, name="history"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("evidence/<int:pk>/remove/", views.evidence_remove, name="evidence_remove"),
]
