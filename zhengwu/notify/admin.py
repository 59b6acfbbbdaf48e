"""The delivery log in system administration: read-only, with a retry action for failures."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengwu.core.errors import ApplicationError
from zhengwu.notify.actions import delivery_retry
from zhengwu.notify.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "recipient", "masked_address", "subject", "status",
                    "attempts", "sent_at")  # fmt: skip
    list_filter = ("channel", "status", "category")
    search_fields = ("subject", "recipient__username", "recipient__display_name")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    # The full address stays off screen (个人信息保护法); operators see the masked form.
    fields = ("created_at", "channel", "recipient", "masked_address", "subject", "body", "link",
              "category", "status", "error", "provider", "provider_message_id", "attempts",
              "sent_at")  # fmt: skip
    readonly_fields = fields
    actions = ("retry_failed",)

    @admin.display(description=_("address"))
    def masked_address(self, obj: Delivery) -> str:
        return obj.masked_address

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Retry the selected failed deliveries"), permissions=["retry"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        done, refused = 0, 0
        for delivery in queryset.filter(status=Delivery.Status.FAILED):
            try:
                delivery_retry(actor=request.user, delivery=delivery)
                done += 1
            except ApplicationError:
                refused += 1
        self.message_user(
            request,
            gettext("%(done)d deliveries retried (see their status), %(refused)d refused.")
            % {"done": done, "refused": refused},
            messages.SUCCESS if not refused else messages.WARNING,
        )

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notify.retry_delivery")
