# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class MemberNumberError(ValidationError):
    pass


class CardError(ValidationError):
    pass


class MemberError(UserError):
    pass


class PointsError(UserError):
    pass


class RedemptionError(UserError):
    pass


class FeeError(UserError):
    pass


class CouponError(UserError):
    pass


class DiscountCodeError(UserError):
    pass
