"""Case handling on the workbench at /workbench/cases/ (config/urls.py)."""

from django.urls import path

from zhengwu.eservices import views_cases

app_name = "cases"
urlpatterns = [
    path("", views_cases.case_list, name="list"),
    path("export.xlsx", views_cases.case_export, name="export"),
    path("<int:pk>/", views_cases.case_detail, name="detail"),
    path("<int:pk>/<slug:step>/", views_cases.case_step, name="step"),
]
