# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Membership reports (MEM-10), one SQL query each, filtered by the
context: period, programme and member type."""
from sql import Literal, Null, Union, Window
from sql.aggregate import Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import DateTrunc

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from crm8.crm8_base.document import ExcelReport

from .membership import Member


class ReportContext(ModelView):
    "Period, programme and member type of the membership reports"
    __string__ = "Membership Report Context"
    __name__ = 'crm8.member.report.context'
    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date(
        "From Date",
        domain=[If(Eval('from_date') & Eval('to_date'),
                ('from_date', '<=', Eval('to_date')), ())])
    to_date = fields.Date(
        "To Date",
        domain=[If(Eval('from_date') & Eval('to_date'),
                ('to_date', '>=', Eval('from_date')), ())])
    programme = fields.Many2One(
        'crm8.member.programme', "Programme",
        domain=[('company', '=', Eval('company', -1))])
    type = fields.Many2One(
        'crm8.member.type', "Member Type",
        domain=[If(Eval('programme'),
                ('programme', '=', Eval('programme', -1)), ())])

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_from_date(cls):
        return Transaction().context.get('from_date')

    @classmethod
    def default_to_date(cls):
        return Transaction().context.get('to_date')

    @classmethod
    def default_programme(cls):
        return Transaction().context.get('programme')

    @classmethod
    def default_type(cls):
        return Transaction().context.get('type')


class _Report(ModelSQL, ModelView):
    __slots__ = ()
    programme = fields.Many2One('crm8.member.programme', "Programme")
    type = fields.Many2One('crm8.member.type', "Member Type")
    company = fields.Many2One('company.company', "Company")
    # the columns of the Excel export, in order
    _excel_fields = []

    @classmethod
    def _date_where(cls, column):
        context = Transaction().context
        where = Literal(True)
        if context.get('from_date'):
            where &= column >= context['from_date']
        if context.get('to_date'):
            where &= column <= context['to_date']
        return where

    @classmethod
    def _member_where(cls, member, programme):
        "The condition of the context on the members"
        context = Transaction().context
        where = programme.company == context.get('company', -1)
        if context.get('programme'):
            where &= member.programme == context['programme']
        if context.get('type'):
            where &= member.type == context['type']
        return where


class Consumption(_Report):
    "POS purchases and points of each member in the period"
    __string__ = "Member Consumption"
    __name__ = 'crm8.member.report.consumption'
    member = fields.Many2One('crm8.member', "Member")
    party = fields.Many2One(
        'party.party', "Party",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    sales_count = fields.Integer("Purchases")
    sales_amount = fields.Numeric("Amount", digits=(16, 2))
    points_earned = fields.Integer("Points Earned")
    points_redeemed = fields.Integer("Points Redeemed")
    _excel_fields = ['member', 'party', 'programme', 'type', 'sales_count',
        'sales_amount', 'points_earned', 'points_redeemed']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('sales_amount', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        member = pool.get('crm8.member').__table__()
        programme = pool.get('crm8.member.programme').__table__()
        sale = pool.get('sale.point.sale').__table__()
        line = pool.get('sale.point.sale.line').__table__()
        points = pool.get('crm8.member.points.line').__table__()

        amounts = line.select(line.sale,
            Sum(line.quantity * line.unit_gross_price).as_('amount'),
            group_by=[line.sale])
        sales = sale.join(amounts, condition=amounts.sale == sale.id).select(
            sale.member,
            # a refund takes the amount back but is no purchase
            Sum(Case((sale.refund_of == Null, 1), else_=0)).as_('count'),
            Sum(amounts.amount).as_('amount'),
            where=sale.state.in_(['done', 'posted'])
            & (sale.member != Null) & cls._date_where(sale.date),
            group_by=[sale.member])
        booked = points.select(points.member,
            Sum(Case((points.kind == 'earn', points.points),
                    else_=0)).as_('earned'),
            Sum(Case((points.kind == 'redeem', -points.points),
                    else_=0)).as_('redeemed'),
            where=cls._date_where(points.date),
            group_by=[points.member])
        query = (member
            .join(programme, condition=member.programme == programme.id)
            .join(sales, 'LEFT', condition=sales.member == member.id)
            .join(booked, 'LEFT', condition=booked.member == member.id))
        return query.select(
            member.id.as_('id'),
            member.id.as_('member'),
            member.party, member.programme, member.type,
            programme.company,
            Coalesce(sales.count, 0).as_('sales_count'),
            cls.sales_amount.sql_cast(
                Coalesce(sales.amount, 0)).as_('sales_amount'),
            Coalesce(booked.earned, 0).as_('points_earned'),
            Coalesce(booked.redeemed, 0).as_('points_redeemed'),
            where=cls._member_where(member, programme)
            & ((sales.member != Null) | (booked.member != Null)))


class MemberCount(_Report):
    "Members joined, terminated and active per month and member type"
    __string__ = "Member Counts"
    __name__ = 'crm8.member.report.count'
    month = fields.Date("Month")
    joined = fields.Integer("Joined")
    terminated = fields.Integer("Terminated")
    # not "active": Tryton would take it for the deactivation flag
    active_members = fields.Integer(
        "Active", help="Members of the type at the end of the month.")
    _excel_fields = ['month', 'programme', 'type', 'joined', 'terminated',
        'active_members']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('type', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        member = pool.get('crm8.member').__table__()
        programme = pool.get('crm8.member.programme').__table__()
        context = Transaction().context

        def month(column):
            return cls.month.sql_cast(DateTrunc('month', column))
        where = cls._member_where(member, programme)
        members = member.join(
            programme, condition=member.programme == programme.id)
        # one row per join and one per termination, ids kept apart
        joins = members.select(
            (member.id * 2).as_('id'), member.programme, member.type,
            programme.company, month(member.join_date).as_('month'),
            Literal(1).as_('joined'), Literal(0).as_('terminated'),
            where=where)
        ends = members.select(
            (member.id * 2 + 1).as_('id'), member.programme, member.type,
            programme.company, month(member.terminate_date).as_('month'),
            Literal(0).as_('joined'), Literal(1).as_('terminated'),
            where=where & (member.terminate_date != Null))
        events = Union(joins, ends, all_=True)
        per_month = events.select(
            Min(events.id).as_('id'),
            events.programme, events.type, events.company, events.month,
            Sum(events.joined).as_('joined'),
            Sum(events.terminated).as_('terminated'),
            group_by=[events.programme, events.type, events.company,
                events.month])
        # active: the running total from the first month, before the
        # period filter so that earlier members count
        window = Window([per_month.type], order_by=[per_month.month.asc])
        running = per_month.select(
            per_month.id, per_month.programme, per_month.type,
            per_month.company, per_month.month, per_month.joined,
            per_month.terminated,
            # PostgreSQL sums bigints as numeric
            cls.active_members.sql_cast(
                Sum(per_month.joined - per_month.terminated,
                    window=window)).as_('active_members'))
        where = Literal(True)
        if context.get('from_date'):
            where &= running.month >= context['from_date'].replace(day=1)
        if context.get('to_date'):
            where &= running.month <= context['to_date']
        return running.select(
            running.id, running.programme, running.type, running.company,
            running.month, running.joined, running.terminated,
            running.active_members, where=where)


class MemberList(_Report):
    "The members with their card, points balance and last purchase"
    __string__ = "Member List"
    __name__ = 'crm8.member.report.list'
    member = fields.Many2One('crm8.member', "Member")
    number = fields.Char("Number")
    party = fields.Many2One(
        'party.party', "Party",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    mobile = fields.Char("Mobile")
    card = fields.Char("Card")
    join_date = fields.Date("Join Date")
    state = fields.Selection(
        Member.state.selection, "State", sort=False)
    balance = fields.Integer(
        "Points Balance", help="On the to date when one is set.")
    last_purchase = fields.Date("Last Purchase")
    _excel_fields = ['number', 'party', 'mobile', 'card', 'programme',
        'type', 'join_date', 'state', 'balance', 'last_purchase']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('number', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        member = pool.get('crm8.member').__table__()
        programme = pool.get('crm8.member.programme').__table__()
        card = pool.get('crm8.member.card').__table__()
        sale = pool.get('sale.point.sale').__table__()
        points = pool.get('crm8.member.points.line').__table__()
        context = Transaction().context

        where = Literal(True)
        if context.get('to_date'):
            where &= points.date <= context['to_date']
        balances = points.select(points.member,
            Sum(points.points).as_('balance'),
            where=where, group_by=[points.member])
        cards = card.select(card.member, Min(card.number).as_('number'),
            where=card.state == 'active', group_by=[card.member])
        last = sale.select(sale.member, Max(sale.date).as_('date'),
            where=sale.state.in_(['done', 'posted']) & (sale.member != Null),
            group_by=[sale.member])
        query = (member
            .join(programme, condition=member.programme == programme.id)
            .join(balances, 'LEFT', condition=balances.member == member.id)
            .join(cards, 'LEFT', condition=cards.member == member.id)
            .join(last, 'LEFT', condition=last.member == member.id))
        where = cls._member_where(member, programme)
        if context.get('to_date'):
            where &= member.join_date <= context['to_date']
        return query.select(
            member.id.as_('id'),
            member.id.as_('member'),
            member.number, member.party, member.mobile,
            member.programme, member.type, programme.company,
            member.join_date, member.state,
            cards.number.as_('card'),
            Coalesce(balances.balance, 0).as_('balance'),
            last.date.as_('last_purchase'),
            where=where)


class ReportExcel(ExcelReport):
    "The rows of a membership report as an Excel workbook"
    __string__ = "Membership Report (Excel)"
    __name__ = 'crm8.member.report.excel'

    @classmethod
    def sheets(cls, records, data):
        if not records:
            return []
        Model = records[0].__class__
        names = Model._excel_fields
        descriptions = Model.fields_get(names)

        def value(record, name):
            value = getattr(record, name)
            if isinstance(value, ModelSQL):
                return value.rec_name
            if descriptions[name]['type'] == 'selection':
                return dict(descriptions[name]['selection']).get(value)
            return value
        rows = [[value(r, n) for n in names] for r in records]
        return [(Model.__names__()['model'],
                [descriptions[n]['string'] for n in names], rows)]
