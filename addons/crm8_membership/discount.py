# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Redemption codes of discount rewards paying part of a POS sale (MEM-4)

Like the coupon numbers (coupon.py): a POS payment whose method takes
discount codes carries the redemption; the payment itself is the use of
the code. A positive payment on a sale that is not cancelled uses the code,
a negative one on a done or posted refund gives the use back (till_code.py
counts the uses and gives the codes back for both). A code pays once.
"""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import without_check_access

from .exceptions import DiscountCodeError, RedemptionError
from .locking import lock_all
from .till_code import give_back, gives_back, till_uses


class POSPaymentMethod(metaclass=PoolMeta):
    __name__ = 'sale.point.payment.method'
    discount = fields.Boolean(
        "Discount Codes",
        help="Check to take the redemption codes of discount rewards "
        "that members show; the account receives the discounts given.")

    @classmethod
    def default_discount(cls):
        return False

    @classmethod
    def validate(cls, methods):
        super().validate(methods)
        for method in methods:
            if method.discount and (
                    method.cash or method.points_rate or method.coupon):
                raise DiscountCodeError(gettext(
                        'crm8_membership.msg_payment_method_discount',
                        method=method.rec_name))


class POSPayment(metaclass=PoolMeta):
    __name__ = 'sale.point.payment'
    discount_method = fields.Function(
        fields.Boolean("Discount Method"), 'on_change_with_discount_method')
    discount_code = fields.Function(
        fields.Char(
            "Redemption Code",
            states={
                'invisible': ~Eval('discount_method'),
                'readonly': Eval('sale_state') != 'open',
                },
            help="The redemption code of the discount the member shows."),
        'get_discount_code', setter='set_discount_code')
    redemption = fields.Many2One(
        'crm8.member.redemption', "Redemption", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('redemption'),
            })

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # replaces the domain of coupon.py: a refund gives the discount
        # code back with a negative payment as well
        cls.method.domain = [
            ('company', '=', Eval('company', -1)),
            If(Eval('amount', 0) < 0,
                ['OR', ('cash', '=', True), ('coupon', '=', True),
                    ('discount', '=', True), ('points_rate', '!=', None)],
                ()),
            ]

    @fields.depends('method')
    def on_change_with_discount_method(self, name=None):
        return bool(self.method and self.method.discount)

    def get_discount_code(self, name):
        return self.redemption.code if self.redemption else None

    @classmethod
    def set_discount_code(cls, payments, name, value):
        "Find the redemption of a member of the sale's company by its code"
        pool = Pool()
        Redemption = pool.get('crm8.member.redemption')
        code = (value or '').strip().upper()
        for payment in payments:
            redemption = None
            if code:
                with without_check_access():
                    redemptions = Redemption.search([
                            ('code', '=', code),
                            ('member.company', '=', payment.sale.company.id),
                            ('state', '!=', 'draft'),
                            ], limit=1)
                if not redemptions:
                    raise DiscountCodeError(gettext(
                            'crm8_membership.msg_discount_code_unknown',
                            code=code))
                redemption, = redemptions
            # an unchanged value is not written: the write would validate
            # the payment before the setter of its coupon number ran
            if redemption != payment.redemption:
                cls.write([payment], {'redemption': redemption})

    @classmethod
    def copy(cls, payments, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('redemption')
        return super().copy(payments, default=default)

    @classmethod
    def validate(cls, payments):
        super().validate(payments)
        for payment in payments:
            if payment.method.discount:
                payment.check_discount()
            elif payment.redemption:
                raise DiscountCodeError(gettext(
                        'crm8_membership.msg_discount_method',
                        sale=payment.sale.rec_name))

    def check_discount(self):
        "Raise DiscountCodeError if the code cannot pay this amount"
        pool = Pool()
        Lang = pool.get('ir.lang')
        Redemption = pool.get('crm8.member.redemption')
        sale, redemption = self.sale, self.redemption
        if not redemption:
            raise DiscountCodeError(gettext(
                    'crm8_membership.msg_discount_code_required',
                    sale=sale.rec_name))
        if self.amount is None or self.amount <= 0:
            if not gives_back(self, 'redemption'):
                with without_check_access():
                    code = redemption.code
                raise DiscountCodeError(gettext(
                        'crm8_membership.msg_discount_code_return',
                        code=code, sale=sale.rec_name))
            return
        lang = Lang.get()
        with without_check_access():
            # the lock serialises two tills taking the same code and a
            # till against the desk cancelling it: each reads the state
            # and the uses after the other committed
            lock_all((Redemption, [redemption]))
            code = redemption.code
            if redemption.state != 'done':
                raise DiscountCodeError(gettext(
                        'crm8_membership.msg_discount_code_cancelled',
                        code=code))
            reward = redemption.reward
            if reward.kind != 'discount':
                raise DiscountCodeError(gettext(
                        'crm8_membership.msg_discount_code_kind',
                        code=code, reward=reward.rec_name,
                        kind=reward.kind_string))
            if sale.member != redemption.member:
                raise DiscountCodeError(gettext(
                        'crm8_membership.msg_discount_code_other_member',
                        code=code))
            if self.amount > reward.discount_amount:
                raise DiscountCodeError(gettext(
                        'crm8_membership.msg_discount_code_amount_value',
                        code=code,
                        value=lang.currency(
                            reward.discount_amount, sale.currency)))
            if sale.amount_to_pay < 0:
                raise DiscountCodeError(gettext(
                        'crm8_membership.msg_discount_code_amount_to_pay',
                        code=code, sale=sale.rec_name))
            uses = till_uses('redemption', [redemption], exclude=self)
            if uses[redemption.id]:
                raise DiscountCodeError(gettext(
                        'crm8_membership.msg_discount_code_used',
                        code=code))


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    @classmethod
    def refund(cls, sales):
        action = super().refund(sales)
        # the refund gives each discount code back instead of its value
        give_back(sales, 'redemption')
        return action


class Redemption(metaclass=PoolMeta):
    __name__ = 'crm8.member.redemption'

    @classmethod
    def get_used(cls, redemptions, name):
        used = super().get_used(redemptions, name)
        discounts = [r for r in redemptions if r.kind == 'discount']
        if discounts:
            uses = till_uses('redemption', discounts)
            used.update((r.id, uses[r.id] > 0) for r in discounts)
        return used

    @classmethod
    def cancel(cls, redemptions):
        # the same lock as a till taking the code: no use slips in between
        lock_all((cls, sorted(redemptions, key=int)))
        uses = till_uses('redemption', redemptions)
        for redemption in redemptions:
            if uses[redemption.id]:
                raise RedemptionError(gettext(
                        'crm8_membership.msg_redemption_discount_used',
                        redemption=redemption.rec_name))
        super().cancel(redemptions)
