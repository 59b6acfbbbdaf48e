from django.urls import path

from zhengwu.workdays import views

app_name = "workdays"
urlpatterns = [
    path("", views.calendar_year, name="year"),
    path("day/<str:day>/", views.calendar_day_edit, name="day_edit"),
    path("day/<str:day>/clear/", views.calendar_day_clear, name="day_clear"),
    path("seed/", views.calendar_seed, name="seed"),
    path("confirm/", views.calendar_year_confirm, name="year_confirm"),
    path("due-date/", views.due_date_calculator, name="calculator"),
]
