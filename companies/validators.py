"""Business identifiers, validated per country with python-stdnum."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.eu import vat as eu_vat
from stdnum.fi import ytunnus
from stdnum.lt import pvm as lt_vat
from stdnum.pl import nip
from stdnum.se import orgnr
from stdnum.util import clean, isdigits


class LithuanianCompanyCode:
    """Lithuanian legal entity code (juridinio asmens kodas): nine digits, the last a check digit.

    stdnum has no module for it; the check digit uses the same two-round modulo-11 weights as the
    VAT code (stdnum.lt.pvm) and the personal code.
    """

    @staticmethod
    def compact(number: str) -> str:
        return clean(number, " -").strip()

    @classmethod
    def validate(cls, number: str) -> str:
        number = cls.compact(number)
        if not isdigits(number):
            raise stdnum_exceptions.InvalidFormat()
        if len(number) != 9:
            raise stdnum_exceptions.InvalidLength()
        if lt_vat.calc_check_digit(number[:8]) != number[8]:
            raise stdnum_exceptions.InvalidChecksum()
        return number

    @classmethod
    def format(cls, number: str) -> str:
        return cls.compact(number)


class _Formatting:
    """Wrap a stdnum module so that every country has compact(), validate() and format()."""

    def __init__(self, module):
        self.module = module

    def compact(self, number):
        return self.module.compact(number)

    def validate(self, number):
        return self.module.validate(number)

    def format(self, number):
        return (
            self.module.format(number)
            if hasattr(self.module, "format")
            else self.module.compact(number)
        )


# Country code → (validator, human name of the identifier).
BUSINESS_ID_SCHEMES = {
    "FI": (_Formatting(ytunnus), _("Finnish business ID (Y-tunnus)")),
    "SE": (_Formatting(orgnr), _("Swedish organisation number")),
    "PL": (_Formatting(nip), _("Polish tax ID (NIP)")),
    "LT": (LithuanianCompanyCode, _("Lithuanian company code")),
}


def normalize_business_id(country: str, value: str) -> str:
    """Validate ``value`` as the business ID of ``country`` and return its canonical format.

    Raises ValidationError with a message that names the expected identifier.
    """
    country = str(country or "").upper()
    value = (value or "").strip()
    scheme = BUSINESS_ID_SCHEMES.get(country)
    if scheme is None:
        # Countries without a national scheme here: accept a plain, modest identifier.
        if not value or len(value) > 30 or not all(c.isalnum() or c in " -./" for c in value):
            raise ValidationError(_("Enter a valid business ID."), code="invalid_business_id")
        return value
    validator, label = scheme
    try:
        return validator.format(validator.validate(value))
    except stdnum_exceptions.ValidationError:
        raise ValidationError(
            _("“%(value)s” is not a valid %(label)s."),
            code="invalid_business_id",
            params={"value": value[:40], "label": label},
        ) from None


def normalize_vat_number(value: str) -> str:
    """Validate an EU VAT number (with its country prefix, e.g. FI12345671) and compact it."""
    value = (value or "").strip()
    try:
        return eu_vat.validate(value)
    except stdnum_exceptions.ValidationError:
        raise ValidationError(
            _("“%(value)s” is not a valid EU VAT number."),
            code="invalid_vat",
            params={"value": value[:40]},
        ) from None
