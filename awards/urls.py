from django.urls import path

from . import public_views, views

app_name = "awards"

urlpatterns = [
    # The award committee (awards/views.py).
    path("committee/", views.committee_home, name="committee"),
    path("committee/<int:year>/", views.committee_year, name="committee_year"),
    path("committee/<int:year>/conflicts/", views.conflicts, name="conflicts"),
    path(
        "committee/<int:year>/conflicts/<int:pk>/withdraw/",
        views.conflict_withdraw,
        name="conflict_withdraw",
    ),
    path("committee/categories/<int:pk>/", views.shortlist, name="shortlist"),
    path("committee/categories/<int:pk>/excluded/", views.excluded, name="excluded"),
    path("committee/categories/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("committee/categories/<int:pk>/finalise/", views.finalise, name="finalise"),
    path(
        "committee/categories/<int:pk>/approve-proposed/",
        views.approve_proposed,
        name="approve_proposed",
    ),
    path("committee/candidates/<int:pk>/vote/", views.vote, name="vote"),
    # Published results, open to everyone (awards/public_views.py).
    path("", public_views.index, name="index"),
    path("<int:year>/", public_views.results, name="results"),
    path("<int:year>/winners.<str:fmt>", public_views.export, name="export"),
    path("certificates/<int:pk>.pdf", public_views.certificate, name="certificate"),
]
