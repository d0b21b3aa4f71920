# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import math
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .exceptions import PointsError
from .locking import lock_all


def _share(part, whole):
    "The share of whole that part is, between 0 and 1"
    if not whole:
        return Decimal(0)
    return min(Decimal(1), abs(Decimal(part) / Decimal(whole)))


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'
    member = fields.Many2One(
        'crm8.member', "Member", ondelete='RESTRICT',
        domain=[
            ('state', '=', 'active'),
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': (Eval('state') != 'open') | Eval('refund_of'),
            },
        help="Find the member by card number, member number or mobile.")
    refund_of = fields.Many2One(
        'sale.point.sale', "Refund of", readonly=True, ondelete='RESTRICT',
        states={
            'invisible': ~Eval('refund_of'),
            },
        help="The sale whose goods this sale takes back.")
    refunds = fields.One2Many(
        'sale.point.sale', 'refund_of', "Refunds", readonly=True)
    points = fields.Function(
        fields.Integer(
            "Points",
            states={
                'invisible': ~Eval('member'),
                }),
        'get_points')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update(
            refund={
                'invisible': ((Eval('state') != 'posted')
                    | ~Eval('member') | Eval('refund_of')
                    | Eval('refunds')),
                'depends': ['state', 'member', 'refund_of', 'refunds'],
                },
            )

    @classmethod
    def _points_origins(cls, sales):
        return [str(s) for s in sales] + [
            str(p) for s in sales for p in s.payments]

    def get_points(self, name):
        pool = Pool()
        Line = pool.get('crm8.member.points.line')
        lines = Line.search([
                ('origin', 'in', self._points_origins([self])),
                ])
        # net of the reversals: of a reopening, of a refund
        if lines:
            lines += Line.search([
                    ('origin', 'in', [str(l) for l in lines]),
                    ])
        return sum(l.points for l in lines)

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('refund_of')
        default.setdefault('refunds')
        return super().copy(sales, default=default)

    def points_to_earn(self, rules=None):
        """Return the points the sale earns by the rules of its programme

        rules: the earn rules of the programme when already read"""
        pool = Pool()
        Rule = pool.get('crm8.member.earn.rule')
        member = self.member
        if rules is None:
            rules = Rule.search([
                    ('programme', '=', member.programme.id),
                    ])
        # read the region and the series only when a rule asks for them
        region = series = None
        if any(r.region for r in rules) and self.point.address:
            region = self.point.address.subdivision
        by_series = any(r.series for r in rules)
        points = Decimal(0)
        for line in self.lines:
            if by_series:
                series = getattr(line.product.template, 'series', None)
            for rule in rules:
                if rule.match(member.type, self.date, region, series):
                    points += line.amount * rule.points_per_amount
                    break
        return int(math.floor(points))

    @classmethod
    def earn_points(cls, sales):
        "Book the points of the sales; booking again does nothing"
        pool = Pool()
        Line = pool.get('crm8.member.points.line')
        Rule = pool.get('crm8.member.earn.rule')
        lines = []
        # the rules read once per programme, not once per sale
        rules = {}
        for sale in sales:
            if not sale.member or sale.refund_of:
                continue
            programme = sale.member.programme.id
            if programme not in rules:
                rules[programme] = Rule.search([
                        ('programme', '=', programme),
                        ])
            points = sale.points_to_earn(rules[programme])
            if points > 0:
                lines.append(Line(
                        member=sale.member,
                        date=sale.date,
                        kind='earn',
                        points=points,
                        origin=sale,
                        description=sale.number))
        if lines:
            Line.book(lines)

    @classmethod
    def redeem_points(cls, sales):
        "Book the points paid with, once per payment"
        pool = Pool()
        Line = pool.get('crm8.member.points.line')
        lines = []
        for sale in sales:
            for payment in sale.payments:
                if not payment.method.points_rate:
                    continue
                if payment.amount < 0:
                    # points paid back: the refund reverses the redemption
                    # when it is posted (reverse_refunded_points)
                    sale.check_points_paid_back()
                    continue
                if not sale.member:
                    raise PointsError(gettext(
                            'crm8_membership.msg_points_payment_no_member',
                            sale=sale.rec_name))
                lines.append(Line(
                        member=sale.member,
                        date=sale.date,
                        kind='redeem',
                        points=-payment.points,
                        origin=payment,
                        description=sale.number))
        if lines:
            Line.book(lines)

    def check_points_paid_back(self):
        "A refund pays back in points at most what the sale paid in points"
        original = self.refund_of
        paid = sum(p.amount for p in (original.payments if original else [])
            if p.method.points_rate)
        back = -sum(p.amount for p in self.payments
            if p.method.points_rate and p.amount < 0)
        if back > paid:
            raise PointsError(gettext(
                    'crm8_membership.msg_points_paid_back',
                    sale=self.rec_name, paid=paid))

    @classmethod
    def reverse_refunded_points(cls, refunds):
        """Take back the points earned on what each refund takes back and
        give back the points paid back, in proportion: a refund of part of
        a sale reverses part of its points"""
        pool = Pool()
        Line = pool.get('crm8.member.points.line')
        for refund in refunds:
            original = refund.refund_of
            lines = Line.search([
                    ('origin', 'in', cls._points_origins([original])),
                    ('kind', '!=', 'reverse'),
                    ])
            paid = sum(p.amount for p in original.payments
                if p.method.points_rate)
            back = -sum(p.amount for p in refund.payments
                if p.method.points_rate)
            Line.reverse(
                [l for l in lines if l.kind == 'earn'],
                share=_share(refund.total, original.total))
            Line.reverse(
                [l for l in lines if l.kind == 'redeem'],
                share=_share(back, paid))

    @classmethod
    def return_points(cls, sales):
        "Reverse the points booked for the sales and their payments"
        pool = Pool()
        Line = pool.get('crm8.member.points.line')
        Line.reverse(Line.search([
                    ('origin', 'in', cls._points_origins(sales)),
                    ('kind', '!=', 'reverse'),
                    ]))

    @classmethod
    def _locks_to_do(cls, sales):
        """Return the (Model, records) to lock before the sales are done:
        the number sequences and the members whose points move"""
        pool = Pool()
        Member = pool.get('crm8.member')
        sequences = {s.point.sequence for s in sales if not s.number}
        members = {s.member for s in sales if s.member}
        members |= {s.refund_of.member for s in sales
            if s.refund_of and s.refund_of.member}
        # in id order, as every till: no two wait for each other
        return [(type(q), [q]) for q in sorted(sequences, key=int)] + [
            (Member, sorted(members, key=int))]

    @classmethod
    def _locks_to_post(cls, sales):
        """Return the (Model, records) to lock before the sales are posted:
        the account move sequences"""
        Period = Pool().get('account.period')
        sequences = {Period.find(
                    company, date=date, test_state=False
                    ).move_sequence_used
            for company, date in {(s.company, s.date) for s in sales}}
        return [(type(q), [q]) for q in sorted(sequences, key=int)]

    @classmethod
    @Workflow.transition('done')
    def do(cls, sales):
        # every lock is asked for at once, before any work of do, in one
        # order: a till waits for another at most once and never for one
        # that waits for it
        lock_all(*cls._locks_to_do(sales))
        super().do(sales)
        # the points move when the customer pays at the till, not when the
        # back office posts the sales: the receipt shows them
        cls.redeem_points(sales)
        cls.earn_points(sales)
        cls.reverse_refunded_points([s for s in sales if s.refund_of])

    @classmethod
    @Workflow.transition('open')
    def open(cls, sales):
        pool = Pool()
        Payment = pool.get('sale.point.payment')
        done = [s for s in sales if s.state == 'done']
        for sale in done:
            if sale.refund_of and sale.refund_of.member:
                # its reversals are the original's points, which only a
                # new sale can give back
                raise PointsError(gettext(
                        'crm8_membership.msg_refund_reopen',
                        sale=sale.rec_name))
        super().open(sales)
        # the points go back to the member and the points payments are
        # removed so that paying again books a new redemption
        cls.return_points(done)
        Payment.delete(Payment.search([
                    ('sale', 'in', [s.id for s in done]),
                    ('method.points_rate', '!=', None),
                    ]))

    @classmethod
    @Workflow.transition('posted')
    def post(cls, sales):
        lock_all(*cls._locks_to_post(sales))
        super().post(sales)

    @classmethod
    @ModelView.button_action('crm8_membership.act_pos_sale_refund')
    def refund(cls, sales):
        "Open a new sale that takes back the goods of each sale"
        pool = Pool()
        SaleLine = pool.get('sale.point.sale.line')
        refunds = cls.copy(
            [s for s in sales if not s.refunds], default={
                'refund_of': lambda data: data['id'],
                'date': cls.default_date(),
                })
        lines = [l for r in refunds for l in r.lines]
        for line in lines:
            line.quantity = -line.quantity
        SaleLine.save(lines)
        # what was paid with points is paid back in points, first: the
        # cashier pays back only the rest in cash
        Payment = pool.get('sale.point.payment')
        payments = []
        for refund in refunds:
            original = refund.refund_of
            for payment in original.payments:
                if payment.method.points_rate:
                    payments.append(Payment(sale=refund,
                            method=payment.method, amount=-payment.amount))
        Payment.save(payments)


class POSPayment(metaclass=PoolMeta):
    __name__ = 'sale.point.payment'
    points = fields.Function(
        fields.Integer(
            "Points",
            states={
                'invisible': ~Eval('points'),
                }),
        'on_change_with_points')

    @fields.depends('method', 'amount')
    def on_change_with_points(self, name=None):
        if self.method and self.method.points_rate and self.amount:
            return int(math.ceil(self.amount * self.method.points_rate))


class POSPaymentMethod(metaclass=PoolMeta):
    __name__ = 'sale.point.payment.method'
    points_rate = fields.Numeric(
        "Points per Unit", digits=(16, 4),
        domain=['OR',
            ('points_rate', '=', None),
            ('points_rate', '>', 0),
            ],
        help="Set to pay with member points: the points taken for each "
        "unit of currency paid, for example 100 points per yuan.")


class Member(metaclass=PoolMeta):
    __name__ = 'crm8.member'
    pos_sales = fields.One2Many(
        'sale.point.sale', 'member', "POS Purchases", readonly=True)


class PointsLine(metaclass=PoolMeta):
    __name__ = 'crm8.member.points.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + [
            'sale.point.sale', 'sale.point.payment']
