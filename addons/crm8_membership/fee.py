# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Membership fees (MEM-6): a fee per member type and period, invoiced or
paid at the till, renewed by a cron before the current period ends."""
import datetime as dt

from dateutil.relativedelta import relativedelta

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import FeeError
from .locking import lock_all

PERIODS = [
    ('year', "Yearly"),
    ('month', "Monthly"),
    ]


class Programme(metaclass=PoolMeta):
    __name__ = 'crm8.member.programme'
    fee_product = fields.Many2One(
        'product.product', "Fee Product",
        domain=[
            ('type', '=', 'service'),
            ],
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The service product charged on fee invoices and at the "
        "till; its account category gives the revenue account.")
    fee_renewal_days = fields.Integer(
        "Fee Renewal Days",
        domain=['OR',
            ('fee_renewal_days', '=', None),
            ('fee_renewal_days', '>=', 0),
            ],
        help="How many days before the end of a fee period the fee of "
        "the next period is created.")

    @classmethod
    def default_fee_renewal_days(cls):
        return 30


class MemberType(metaclass=PoolMeta):
    __name__ = 'crm8.member.type'
    fee_amount = fields.Numeric(
        "Fee", digits=(16, 2),
        domain=['OR',
            ('fee_amount', '=', None),
            ('fee_amount', '>=', 0),
            ],
        help="The membership fee of each period in the company currency; "
        "empty for a type without fee.")
    fee_period = fields.Selection(
        PERIODS, "Fee Period", sort=False,
        states={
            'required': Eval('fee_amount', None) != None,  # noqa: E711
            })

    @classmethod
    def default_fee_period(cls):
        return 'year'


class Fee(Workflow, ModelSQL, ModelView):
    __string__ = "Membership Fee"
    __name__ = 'crm8.member.fee'
    _states = {
        'readonly': Eval('state') != 'draft',
        }
    member = fields.Many2One(
        'crm8.member', "Member", required=True, ondelete='RESTRICT',
        states=_states)
    type = fields.Many2One(
        'crm8.member.type', "Member Type", required=True,
        ondelete='RESTRICT', states=_states,
        help="The member type whose fee this is.")
    start_date = fields.Date("Start Date", required=True, states=_states)
    end_date = fields.Date(
        "End Date", required=True, states=_states,
        domain=[('end_date', '>=', Eval('start_date'))])
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company', searcher='search_company')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        states=_states)
    invoice = fields.Many2One(
        'account.invoice', "Invoice", readonly=True, ondelete='RESTRICT')
    pos_line = fields.Many2One(
        'sale.point.sale.line', "POS Sale Line", readonly=True,
        ondelete='RESTRICT')
    paid_by = fields.Selection([
            (None, ""),
            ('invoice', "Invoice"),
            ('pos', "POS"),
            ], "Paid by", readonly=True)
    paid_by_string = paid_by.translated('paid_by')
    paid_date = fields.Date("Paid Date", readonly=True)
    state = fields.Selection([
            ('draft', "To Pay"),
            ('invoiced', "Invoiced"),
            ('paid', "Paid"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            # a period is charged once: the renewal cron may run again
            ('member_start_unique', Unique(t, t.member, t.start_date),
                'crm8_membership.msg_fee_period_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.member, Index.Equality()),
                    (t.end_date, Index.Range())),
                Index(t, (t.state, Index.Equality())),
                })
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'invoiced'),
            ('draft', 'paid'),
            ('invoiced', 'paid'),
            ('invoiced', 'draft'),
            ('draft', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'invoice_fee': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'cancelled',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @fields.depends('member', '_parent_member.programme')
    def on_change_with_company(self, name=None):
        if self.member and self.member.programme:
            return self.member.programme.company

    @classmethod
    def search_company(cls, name, clause):
        return [('member.programme.company',) + tuple(clause[1:])]

    @fields.depends('member', '_parent_member.programme')
    def on_change_with_currency(self, name=None):
        if self.member and self.member.programme:
            return self.member.programme.company.currency

    @fields.depends('member', '_parent_member.type', 'start_date')
    def on_change_member(self):
        if self.member and self.member.type:
            self.type = self.member.type
            self.on_change_type()

    @fields.depends('type', 'start_date')
    def on_change_type(self):
        if self.type:
            self.amount = self.type.fee_amount
            if self.start_date and self.type.fee_period:
                self.end_date = self.period_end(
                    self.start_date, self.type.fee_period)

    @staticmethod
    def period_end(start, period):
        delta = relativedelta(years=1) if period == 'year' else (
            relativedelta(months=1))
        return start + delta - dt.timedelta(days=1)

    def get_rec_name(self, name):
        return (f'{self.member.rec_name} '
            f'{self.start_date.isoformat()}~{self.end_date.isoformat()}')

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('member.rec_name',) + tuple(clause[1:])]

    @classmethod
    def copy(cls, fees, default=None):
        default = default.copy() if default is not None else {}
        for name in ['invoice', 'pos_line', 'paid_by', 'paid_date']:
            default.setdefault(name)
        return super().copy(fees, default=default)

    @classmethod
    def check_modification(cls, mode, fees, values=None, external=False):
        super().check_modification(
            mode, fees, values=values, external=external)
        if mode == 'delete':
            for fee in fees:
                if fee.state not in {'draft', 'cancelled'}:
                    raise FeeError(gettext(
                            'crm8_membership.msg_fee_delete',
                            fee=fee.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, fees):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, fees):
        cls.write(fees, {'invoice': None})

    def _invoice(self):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Line = pool.get('account.invoice.line')
        product = self.member.programme.fee_product
        if not product:
            raise FeeError(gettext(
                    'crm8_membership.msg_fee_no_product',
                    programme=self.member.programme.rec_name))
        invoice = Invoice(
            type='out', company=self.company, party=self.member.party,
            currency=self.currency,
            description=self.rec_name)
        invoice.on_change_type()
        invoice.on_change_party()
        line = Line(
            invoice=invoice, type='line', company=self.company,
            currency=self.currency, product=product, quantity=1,
            description=f'{product.rec_name} {self.rec_name}')
        line.on_change_product()
        line.unit_price = self.amount
        line.origin = self
        invoice.lines = [line]
        return invoice

    @classmethod
    @ModelView.button
    @Workflow.transition('invoiced')
    def invoice_fee(cls, fees):
        "Create a customer invoice for each fee"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        lock_all((cls, fees))
        invoices = []
        for fee in fees:
            if fee.state != 'draft':
                raise FeeError(gettext(
                        'crm8_membership.msg_fee_not_due',
                        fee=fee.rec_name, state=fee.state_string))
            invoices.append(fee._invoice())
        # the button is kept to membership administrators; the invoice is
        # theirs to create even without the accounting groups
        with without_check_access():
            Invoice.save(invoices)
            Invoice.update_taxes(invoices)
        for fee, invoice in zip(fees, invoices):
            fee.invoice = invoice
        cls.save(fees)

    @classmethod
    def pay(cls, fees, paid_by, date=None, pos_lines=None):
        """Mark the fees paid; a fee is never paid twice.

        pos_lines: the till line paying each fee (same order).
        """
        Date = Pool().get('ir.date')
        if len({f.id for f in fees}) < len(fees):
            fee = [f for f in fees if fees.count(f) > 1][0]
            raise FeeError(gettext(
                    'crm8_membership.msg_fee_pos_twice', fee=fee.rec_name))
        lock_all((cls, fees))
        # read the state again under the lock
        fees = cls.browse([f.id for f in fees])
        for fee in fees:
            if fee.state == 'paid':
                raise FeeError(gettext(
                        'crm8_membership.msg_fee_paid_twice',
                        fee=fee.rec_name, paid_by=fee.paid_by_string))
            if paid_by == 'pos' and fee.state != 'draft':
                raise FeeError(gettext(
                        'crm8_membership.msg_fee_not_due',
                        fee=fee.rec_name, state=fee.state_string))
        date = date or Date.today()
        for i, fee in enumerate(fees):
            fee.state = 'paid'
            fee.paid_by = paid_by
            fee.paid_date = date
            if pos_lines:
                fee.pos_line = pos_lines[i]
        cls.save(fees)

    @classmethod
    def renew(cls, date=None):
        """Create the fee of the next period of each active member whose
        current fee ends within the renewal days of the programme; a
        member of a type with a fee and no fee yet gets one from the join
        date. Safe to run again: a period is created once."""
        pool = Pool()
        Date = pool.get('ir.date')
        Member = pool.get('crm8.member')
        Programme = pool.get('crm8.member.programme')
        fee = cls.__table__()
        cursor = Transaction().connection.cursor()
        if date is None:
            date = Date.today()
        to_create = []
        for programme in Programme.search([]):
            horizon = date + dt.timedelta(
                days=programme.fee_renewal_days or 0)
            members = Member.search([
                    ('programme', '=', programme.id),
                    ('state', '=', 'active'),
                    ('type.fee_amount', '!=', None),
                    ('join_date', '<=', horizon),
                    ])
            last_end = {}
            for sub in _slices([m.id for m in members]):
                cursor.execute(*fee.select(
                        fee.member, fee.end_date,
                        where=fee.member.in_(sub)
                        & (fee.state != 'cancelled')))
                for member_id, end in cursor:
                    end = _to_date(end)
                    if member_id not in last_end or end > last_end[
                            member_id]:
                        last_end[member_id] = end
            for member in members:
                if member.id in last_end:
                    if last_end[member.id] > horizon:
                        continue
                    start = last_end[member.id] + dt.timedelta(days=1)
                else:
                    # the period running now: no fee is charged back
                    start = member.join_date
                    period = member.type.fee_period
                    while cls.period_end(start, period) < date:
                        start = cls.period_end(start, period) + (
                            dt.timedelta(days=1))
                to_create.append(cls(
                        member=member, type=member.type, start_date=start,
                        end_date=cls.period_end(start, member.type.fee_period),
                        amount=programme.company.currency.round(
                            member.type.fee_amount)))
        cls.save(to_create)
        return to_create


def _slices(ids, size=1000):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _to_date(value):
    # SQLite answers dates as text
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


class Member(metaclass=PoolMeta):
    __name__ = 'crm8.member'
    fees = fields.One2Many(
        'crm8.member.fee', 'member', "Fees", readonly=True)


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['crm8.member.fee']


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def _fees(cls, invoices):
        Fee = Pool().get('crm8.member.fee')
        return Fee.search([
                ('invoice', 'in', [i.id for i in invoices]),
                ])

    @classmethod
    @Workflow.transition('paid')
    def paid(cls, invoices):
        pool = Pool()
        Fee = pool.get('crm8.member.fee')
        super().paid(invoices)
        with without_check_access():
            fees = [f for f in cls._fees(invoices) if f.state == 'invoiced']
            if fees:
                Fee.pay(fees, 'invoice')

    @classmethod
    @Workflow.transition('cancelled')
    def cancel(cls, invoices):
        pool = Pool()
        Fee = pool.get('crm8.member.fee')
        super().cancel(invoices)
        # the fee is due again and may be invoiced anew or paid at the till
        with without_check_access():
            fees = [f for f in cls._fees(invoices) if f.state == 'invoiced']
            if fees:
                Fee.draft(fees)


class POSSaleLine(metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'
    membership_fee = fields.Many2One(
        'crm8.member.fee', "Membership Fee", ondelete='RESTRICT',
        domain=[
            ('state', '=', 'draft'),
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': Eval('sale_state') != 'open',
            },
        help="The fee this line pays; paying the sale marks it paid.")

    @fields.depends('membership_fee', 'sale', '_parent_sale.point',
        methods=['on_change_product'])
    def on_change_membership_fee(self):
        fee = self.membership_fee
        if fee and fee.member.programme.fee_product:
            self.product = fee.member.programme.fee_product
            self.quantity = 1
            self.on_change_product()
            self.unit_list_price = self.unit_gross_price = fee.amount
            self.unit_price = self.on_change_with_unit_price()
            self.amount = self.on_change_with_amount()

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('membership_fee')
        return super().copy(lines, default=default)


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    @classmethod
    def _locks_to_do(cls, sales):
        # the fees paid at the till, locked with the rest (one restart)
        Fee = Pool().get('crm8.member.fee')
        fees = {l.membership_fee for s in sales for l in s.lines
            if l.membership_fee}
        return super()._locks_to_do(sales) + [
            (Fee, sorted(fees, key=int))]

    @classmethod
    @Workflow.transition('done')
    def do(cls, sales):
        # the fee is paid when the member pays at the till, as the points
        # are earned; posting is the back office's
        pool = Pool()
        Fee = pool.get('crm8.member.fee')
        lines = [l for s in sales for l in s.lines if l.membership_fee]
        for line in lines:
            if (line.quantity != 1
                    or line.unit_price != line.membership_fee.amount):
                raise FeeError(gettext(
                        'crm8_membership.msg_fee_pos_amount',
                        fee=line.membership_fee.rec_name,
                        amount=line.membership_fee.amount))
        super().do(sales)
        if lines:
            with without_check_access():
                Fee.pay([l.membership_fee for l in lines], 'pos',
                    pos_lines=lines)

    @classmethod
    @Workflow.transition('open')
    def open(cls, sales):
        pool = Pool()
        Fee = pool.get('crm8.member.fee')
        done = [s.id for s in sales if s.state == 'done']
        super().open(sales)
        # a reopened sale pays its fees again when it is done again
        with without_check_access():
            fees = Fee.search([
                    ('pos_line.sale', 'in', done),
                    ('state', '=', 'paid'),
                    ])
            if fees:
                Fee.write(fees, {
                        'state': 'draft',
                        'paid_by': None,
                        'paid_date': None,
                        'pos_line': None,
                        })


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('crm8.member.fee|renew', "Renew Membership Fees"))
