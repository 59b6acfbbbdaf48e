from django.urls import path

from zhengwu.signing import views

app_name = "signing"
urlpatterns = [
    path("", views.unit_list, name="unit_list"),
    path("units/<int:organisation_id>/", views.unit_detail, name="unit_detail"),
    path("units/<int:organisation_id>/issue/", views.certificate_issue, name="certificate_issue"),
    path(
        "units/<int:organisation_id>/import/", views.certificate_import, name="certificate_import"
    ),
    path("units/<int:organisation_id>/seal/", views.seal_edit, name="seal_edit"),
    path("units/<int:organisation_id>/seal/generate/", views.seal_generate, name="seal_generate"),
    path("units/<int:organisation_id>/seal.png", views.seal_image, name="seal_image"),
    path(
        "certificates/<int:certificate_id>/revoke/",
        views.certificate_revoke,
        name="certificate_revoke",
    ),
    path("certificates/<int:certificate_id>.pem", views.certificate_pem, name="certificate_pem"),
    path("trust/", views.trust_list, name="trust_list"),
    path("trust/import/", views.trust_import, name="trust_import"),
    path("trust/<int:anchor_id>/toggle/", views.trust_toggle, name="trust_toggle"),
    path("root-ca.pem", views.root_ca_pem, name="root_ca_pem"),
    path("verify/", views.verify, name="verify"),
]
