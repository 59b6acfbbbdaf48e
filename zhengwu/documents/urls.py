from django.urls import path

from zhengwu.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.document_list, name="list"),
    path("new/", views.document_create, name="create"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/edit/", views.document_edit, name="edit"),
    path("<int:pk>/submit/", views.document_submit, name="submit"),
    path("<int:pk>/step/", views.document_step, name="step"),
    path("<int:pk>/send-back/", views.document_send_back, name="send_back"),
    path("<int:pk>/withdraw/", views.document_withdraw, name="withdraw"),
    path("<int:pk>/remind/", views.document_remind, name="remind"),
    path("<int:pk>/archive/", views.document_archive, name="archive"),
    path("<int:pk>/attach/", views.document_attach, name="attach"),
    path("<int:pk>/preview.pdf", views.document_preview, name="preview"),
    path("reply-to/<int:received_pk>/", views.reply_start, name="reply"),
    path("<int:pk>/revisions/", views.document_revisions, name="revisions"),
]
