from django.urls import path

from zhengwu.supervision import views, views_scorecards

app_name = "supervision"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("data/", views.dashboard_data, name="dashboard_data"),
    path("clocks/", views.clock_list, name="clocks"),
    path("clocks/<int:clock_id>/", views.clock_detail, name="clock"),
    path("clocks/<int:clock_id>/extension/", views.extension_request, name="extension"),
    path("flags/", views.flag_list, name="flags"),
    path("flags/run/", views.rules_run, name="rules_run"),
    path("flags/<int:flag_id>/", views.flag_detail, name="flag"),
    path("rule/", views.rule_edit, name="rule"),
    path("ratings/", views_scorecards.rating_list, name="ratings"),
    path("scorecards/", views_scorecards.ranking, name="ranking"),
    path("scorecards/compute/", views_scorecards.compute, name="scorecards_compute"),
    path("scorecards/rule/", views_scorecards.scoring_rule, name="scoring_rule"),
    path("scorecards/<int:card_id>/", views_scorecards.card_detail, name="scorecard"),
    path(
        "scorecards/<int:card_id>/<slug:component>/",
        views_scorecards.card_rows,
        name="scorecard_rows",
    ),
    path("complaints/<int:complaint_id>/", views.complaint_detail, name="complaint"),
]
