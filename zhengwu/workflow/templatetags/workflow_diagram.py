"""``{% bpmn_js "file" %}``: the URL of a file of the vendored bpmn-js (static/vendor/README.md)."""

from django import template
from django.templatetags.static import static

# Change together with the directory static/vendor/bpmn-js/<version>/.
BPMN_JS_VERSION = "18.31.1"

register = template.Library()


@register.simple_tag
def bpmn_js(path: str) -> str:
    return static(f"vendor/bpmn-js/{BPMN_JS_VERSION}/{path}")
