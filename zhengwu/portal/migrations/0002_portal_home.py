"""Replace Wagtail's "Welcome" page with the portal home of the city at "/"."""

from django.conf import settings
from django.db import migrations


def create_home(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    HomePage = apps.get_model("portal", "HomePage")

    Page.objects.filter(
        depth=2, slug="home", content_type__app_label="wagtailcore", content_type__model="page"
    ).delete()  # the default welcome page (and the default Site pointing at it)
    if Page.objects.filter(depth=2).exists():
        return  # an installation that already has its own site root
    root = Page.objects.get(depth=1)
    content_type, _ = ContentType.objects.get_or_create(app_label="portal", model="homepage")
    name = settings.ZHENGWU_SITE["name"]
    home = HomePage.objects.create(
        title=name, draft_title=name, slug="home", content_type=content_type,
        path=f"{root.path}0001", depth=2, numchild=0, url_path="/home/", live=True,
        locale=Locale.objects.order_by("pk").first(),
    )
    Page.objects.filter(pk=root.pk).update(numchild=Page.objects.filter(depth=2).count())
    Site.objects.filter(is_default_site=True).delete()
    Site.objects.create(hostname="localhost", port=80, root_page_id=home.pk,
                        is_default_site=True, site_name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_home, migrations.RunPython.noop)]
