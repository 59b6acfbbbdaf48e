"""A URLconf for the upload tests: a view that takes a form with a StoredFileField."""

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from zhengwu.core.access import login_required
from zhengwu.files.forms import StoredFileField, add_upload_refusals, file_store_from_form


class MaterialForm(forms.Form):
    title = forms.CharField()
    material = StoredFileField(preset="documents")


@login_required()
def upload(request: HttpRequest) -> HttpResponse:
    form = MaterialForm(request.POST, request.FILES)
    received = {name: f.size for name, f in request.FILES.items()}
    if add_upload_refusals(form, request) or not form.is_valid():
        return JsonResponse(
            {"errors": form.errors, "title": form.data.get("title"), "files": received},
            status=400,
        )
    stored = file_store_from_form(form, "material", actor=request.user, purpose="test")
    if stored is None:
        return JsonResponse({"errors": form.errors}, status=400)
    return JsonResponse({"stored": str(stored.uuid), "files": received})


urlpatterns = [path("upload/", upload)]
