# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Coupon numbers of rewards paying part of a POS sale (MEM-4, MEM-7)

A POS payment whose method is a coupon method carries the coupon number;
the payment itself is the use of the number. A positive coupon payment on
a sale that is not cancelled uses the number, a negative one on a done or
posted refund gives the use back (counted in till_code.py, shared with
the discount codes).
"""
from sql.aggregate import Count, Sum
from sql.conditionals import Case, Coalesce
from sql.operators import Add, Less, LessEqual

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from .exceptions import CouponError, RedemptionError
from .locking import lock_all
from .till_code import give_back, gives_back, till_uses


class Reward(metaclass=PoolMeta):
    __name__ = 'crm8.member.reward'
    coupon_amount = fields.Numeric(
        "Coupon Value", digits=(16, 2),
        domain=[If(Eval('coupon_amount'), ('coupon_amount', '>', 0), ())],
        states={
            'invisible': Eval('kind') != 'coupon',
            },
        help="The amount an issued number pays at the till; "
        "empty if the number is only for sale orders.")

    @classmethod
    def validate(cls, rewards):
        super().validate(rewards)
        for reward in rewards:
            # a number that pays at the till is worth money: it must not
            # be usable without limit
            if (reward.kind == 'coupon' and reward.coupon_amount
                    and reward.coupon.number_of_use <= 0):
                raise CouponError(gettext(
                        'crm8_membership.msg_reward_coupon_number_of_use',
                        reward=reward.rec_name))


class POSPaymentMethod(metaclass=PoolMeta):
    __name__ = 'sale.point.payment.method'
    coupon = fields.Boolean(
        "Coupon",
        help="Check to pay with the coupon numbers that members get "
        "from rewards; the account receives the value of the coupons.")

    @classmethod
    def default_coupon(cls):
        return False

    @classmethod
    def validate(cls, methods):
        super().validate(methods)
        for method in methods:
            if method.coupon and (method.cash or method.points_rate):
                raise CouponError(gettext(
                        'crm8_membership.msg_payment_method_coupon',
                        method=method.rec_name))


class POSPayment(metaclass=PoolMeta):
    __name__ = 'sale.point.payment'
    coupon_method = fields.Function(
        fields.Boolean("Coupon Method"), 'on_change_with_coupon_method')
    coupon_code = fields.Function(
        fields.Char(
            "Coupon Number",
            states={
                'invisible': ~Eval('coupon_method'),
                'readonly': Eval('sale_state') != 'open',
                },
            help="The number the member shows."),
        'get_coupon_code', setter='set_coupon_code')
    coupon_number = fields.Many2One(
        'sale.promotion.coupon.number', "Coupon", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('coupon_number'),
            })

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # a refund gives the coupon (and the points, see sale.py) back
        # with a negative payment
        cls.method.domain = [
            ('company', '=', Eval('company', -1)),
            If(Eval('amount', 0) < 0,
                ['OR', ('cash', '=', True), ('coupon', '=', True),
                    ('points_rate', '!=', None)],
                ()),
            ]

    @fields.depends('method')
    def on_change_with_coupon_method(self, name=None):
        return bool(self.method and self.method.coupon)

    def get_coupon_code(self, name):
        return self.coupon_number.number if self.coupon_number else None

    @classmethod
    def set_coupon_code(cls, payments, name, value):
        "Find the number issued by a done redemption in the sale's company"
        pool = Pool()
        Redemption = pool.get('crm8.member.redemption')
        code = (value or '').strip().upper()
        for payment in payments:
            number = None
            if code:
                with without_check_access(), Transaction().set_context(
                        active_test=False):
                    redemptions = Redemption.search([
                            ('coupon_number.number', '=', code),
                            ('coupon_number.company', '=',
                                payment.sale.company.id),
                            ('state', '=', 'done'),
                            ], limit=1)
                if not redemptions:
                    raise CouponError(gettext(
                            'crm8_membership.msg_coupon_unknown',
                            number=code))
                number = redemptions[0].coupon_number
            # an unchanged value is not written: the write would validate
            # the payment before the setter of its discount code ran
            if number != payment.coupon_number:
                cls.write([payment], {'coupon_number': number})

    @classmethod
    def copy(cls, payments, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('coupon_number')
        return super().copy(payments, default=default)

    @classmethod
    def validate(cls, payments):
        super().validate(payments)
        for payment in payments:
            if payment.method.coupon:
                payment.check_coupon()
            elif payment.coupon_number:
                raise CouponError(gettext(
                        'crm8_membership.msg_coupon_method',
                        sale=payment.sale.rec_name))

    def check_coupon(self):
        "Raise CouponError if the coupon cannot pay this amount of the sale"
        pool = Pool()
        Lang = pool.get('ir.lang')
        Number = pool.get('sale.promotion.coupon.number')
        Redemption = pool.get('crm8.member.redemption')
        sale, number = self.sale, self.coupon_number
        if not number:
            raise CouponError(gettext(
                    'crm8_membership.msg_coupon_number_required',
                    sale=sale.rec_name))
        if self.amount is None or self.amount <= 0:
            if not gives_back(self, 'coupon_number'):
                raise CouponError(gettext(
                        'crm8_membership.msg_coupon_return',
                        number=number.number, sale=sale.rec_name))
            return
        lang = Lang.get()
        with without_check_access():
            redemptions = Redemption.search([
                    ('coupon_number', '=', number.id),
                    ('state', '=', 'done'),
                    ], limit=1)
            if not redemptions:
                raise CouponError(gettext(
                        'crm8_membership.msg_coupon_unknown',
                        number=number.number))
            redemption, = redemptions
            reward, coupon = redemption.reward, number.coupon
            if not reward.coupon_amount:
                raise CouponError(gettext(
                        'crm8_membership.msg_coupon_no_value',
                        number=number.number, reward=reward.rec_name))
            if number.start_date and sale.date < number.start_date:
                raise CouponError(gettext(
                        'crm8_membership.msg_coupon_not_started',
                        number=number.number,
                        date=lang.strftime(number.start_date)))
            if number.end_date and sale.date > number.end_date:
                raise CouponError(gettext(
                        'crm8_membership.msg_coupon_expired',
                        number=number.number,
                        date=lang.strftime(number.end_date)))
            if coupon.per_party and (not sale.member
                    or sale.member.party != redemption.member.party):
                raise CouponError(gettext(
                        'crm8_membership.msg_coupon_other_member',
                        number=number.number))
            if self.amount > reward.coupon_amount:
                raise CouponError(gettext(
                        'crm8_membership.msg_coupon_amount_value',
                        number=number.number,
                        value=lang.currency(
                            reward.coupon_amount, sale.currency)))
            if sale.amount_to_pay < 0:
                raise CouponError(gettext(
                        'crm8_membership.msg_coupon_amount_to_pay',
                        number=number.number, sale=sale.rec_name))
            # the lock serialises two tills taking the same number: the
            # second counts after the first committed
            lock_all((Number, [number]))
            if 0 < coupon.number_of_use <= self.coupon_uses(
                    number, exclude=self):
                raise CouponError(gettext(
                        'crm8_membership.msg_coupon_used',
                        number=number.number))

    @classmethod
    def coupon_uses(cls, number, exclude=None):
        "Return how many times the number is used at the till and on orders"
        SaleNumber = Pool().get('sale.sale-sale.promotion.coupon.number')
        with without_check_access():
            orders = SaleNumber.search([
                    ('number', '=', number.id),
                    ], count=True)
        uses = till_uses('coupon_number', [number], exclude=exclude)
        return uses[number.id] + orders


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    @classmethod
    def refund(cls, sales):
        action = super().refund(sales)
        # the refund gives each coupon back instead of its value in cash
        give_back(sales, 'coupon_number')
        return action


class CouponNumber(metaclass=PoolMeta):
    __name__ = 'sale.promotion.coupon.number'

    @classmethod
    def _active_query(cls):
        "A number used up at the till is inactive for sale orders as well"
        pool = Pool()
        Payment = pool.get('sale.point.payment')
        Sale = pool.get('sale.point.sale')
        Coupon = pool.get('sale.promotion.coupon')
        SaleNumber = pool.get('sale.sale-sale.promotion.coupon.number')
        query, table, active = super()._active_query()
        payment, sale = Payment.__table__(), Sale.__table__()
        coupon, sale_number = Coupon.__table__(), SaleNumber.__table__()
        # SQLite stores numerics as blobs that compare only once cast
        amount = Payment.amount.sql_cast(payment.amount)
        till = (payment
            .join(sale, condition=payment.sale == sale.id)
            .select(
                Coalesce(Sum(Case(
                            ((amount > 0) & (sale.state != 'cancelled'), 1),
                            ((amount < 0)
                                & sale.state.in_(['done', 'posted']), -1),
                            else_=0)), 0),
                where=payment.coupon_number == table.id))
        orders = sale_number.select(
            Count(sale_number.id), where=sale_number.number == table.id)
        limit = coupon.select(
            coupon.number_of_use, where=coupon.id == table.coupon)
        active &= (LessEqual(till, 0) | LessEqual(limit, 0)
            | Less(Add(till, orders), limit))
        return query, table, active


class Redemption(metaclass=PoolMeta):
    __name__ = 'crm8.member.redemption'

    @classmethod
    def get_used(cls, redemptions, name):
        pool = Pool()
        Payment = pool.get('sale.point.payment')
        used = super().get_used(redemptions, name)
        for redemption in redemptions:
            number = redemption.coupon_number
            if number:
                # used up: the number pays no more
                limit = number.coupon.number_of_use
                used[redemption.id] = (
                    0 < limit <= Payment.coupon_uses(number))
        return used

    @classmethod
    def cancel(cls, redemptions):
        pool = Pool()
        Payment = pool.get('sale.point.payment')
        for redemption in redemptions:
            if (redemption.coupon_number
                    and Payment.coupon_uses(redemption.coupon_number)):
                raise RedemptionError(gettext(
                        'crm8_membership.msg_redemption_coupon_used'))
        super().cancel(redemptions)
