"""Case handling on the workbench at /workbench/cases/ (config/urls.py)."""

from django.urls import path

from zhengwu.eservices import views_cases, views_counter

app_name = "cases"
urlpatterns = [
    path("", views_cases.case_list, name="list"),
    path("export.xlsx", views_cases.case_export, name="export"),
    path("counter/", views_counter.counter_start, name="counter"),
    path("counter/<str:code>/", views_counter.counter_form, name="counter_form"),
    path("<int:pk>/", views_cases.case_detail, name="detail"),
    path("<int:pk>/receipt/", views_counter.receipt, name="receipt"),
    path("<int:pk>/<slug:step>/", views_cases.case_step, name="step"),
]
