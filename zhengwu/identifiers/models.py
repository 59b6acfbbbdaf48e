from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberSequence(models.Model):
    """The last number issued in one register for one year (办件编号, 发文字号, …).

    Only ``actions.number_next`` changes ``last_value``, under a row lock, so numbers are issued
    once each and without gaps. ``register`` names the series, e.g. ``"eservices.application"`` or
    ``"documents.outgoing:云政办发"``.
    """

    register = models.CharField(_("register"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    last_value = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.UniqueConstraint(fields=["register", "year"], name="number_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.register} {self.year}: {self.last_value}"
