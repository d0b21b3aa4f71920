# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Sales quotas (SAL-17) and the revenue roll-up (SAL-18).

Revenue is the untaxed amount of the lines of the orders that are sold
(confirmed, processing or done), on their sale date, counted for the order's
sales rep, in the company currency."""
import calendar
import datetime as dt
from decimal import Decimal

from sql import Cast, Literal, Null, Values, With
from sql.aggregate import Min, Sum
from sql.conditionals import Coalesce
from sql.functions import DateTrunc, Round
from sql.operators import Equal, Exists

from trytond.i18n import gettext
from trytond.model import Exclude, ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If, PYSONEncoder
from trytond.transaction import Transaction

SOLD = ['confirmed', 'processing', 'done']
PERIODS = {'year': 1, 'quarter': 4, 'month': 12}


def period_dates(period, year, number):
    "Return the first and last day of the period"
    if period == 'year':
        first, last = 1, 12
    elif period == 'quarter':
        first = 3 * number - 2
        last = first + 2
    else:
        first = last = number
    return (dt.date(year, first, 1),
        dt.date(year, last, calendar.monthrange(year, last)[1]))


def team_employees(teams):
    "Return {team id: employee ids of its members and leaders and below}"
    Team = Pool().get('crm8.team')
    result = {}
    for team in teams:
        below = Team.search([('parent', 'child_of', [team.id])])
        employees = {m.id for t in below for m in t.members}
        employees |= {t.leader.id for t in below if t.leader}
        result[team.id] = employees
    return result


def sold_lines():
    """Return the sale and line tables, their join with the company, the
    condition of the sold lines and the expression of their amount"""
    pool = Pool()
    Line = pool.get('sale.line')
    sale = pool.get('sale.sale').__table__()
    line = Line.__table__()
    company = pool.get('company.company').__table__()
    currency = pool.get('currency.currency').__table__()
    query = (sale
        .join(company, condition=company.id == sale.company)
        .join(currency, condition=currency.id == company.currency)
        .join(line, condition=line.sale == sale.id))
    where = (sale.state.in_(SOLD) & (line.type == 'line')
        & (sale.currency == company.currency) & (sale.employee != Null)
        & (sale.sale_date != Null))
    # rounded per line as the amounts of the order are
    amount = Round(
        Line.unit_price.sql_cast(Coalesce(line.quantity, 0))
        * Coalesce(line.unit_price, 0), currency.digits)
    return sale, line, query, where, amount


class Quota(ModelSQL, ModelView):
    "A target of revenue for a rep or a team in a period (SAL-17)"
    __string__ = "Sales Quota"
    __name__ = 'crm8.sales.quota'
    company = fields.Many2One('company.company', "Company", required=True)
    period = fields.Selection([
            ('year', "Year"),
            ('quarter', "Quarter"),
            ('month', "Month"),
            ], "Period", required=True, sort=False)
    period_string = period.translated('period')
    year = fields.Integer("Year", required=True)
    number = fields.Integer(
        "Number",
        states={
            'invisible': Eval('period') == 'year',
            'required': Eval('period') != 'year',
            },
        help="The quarter (1 to 4) or the month (1 to 12).")
    start_date = fields.Date("Start Date", readonly=True)
    end_date = fields.Date("End Date", readonly=True)
    employee = fields.Many2One(
        'company.employee', "Sales Rep", ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))],
        states={
            'invisible': Bool(Eval('team')),
            },
        help="The rep who must sell the target.")
    team = fields.Many2One(
        'crm8.team', "Team", ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))],
        states={
            'invisible': Bool(Eval('employee')),
            },
        help="The department or sales team who must sell the target, "
        "with its sub-teams.")
    category = fields.Many2One(
        'product.category', "Revenue Item", ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="Only the products of this category and of its children "
        "count. Leave empty to count all the revenue.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    target = Monetary(
        "Target", currency='currency', digits='currency', required=True,
        domain=[('target', '>', 0)])
    actual = fields.Function(Monetary(
            "Actual", currency='currency', digits='currency',
            help="The untaxed amount sold in the period."),
        'get_actual')
    attainment = fields.Function(fields.Float(
            "Attainment", digits=(16, 4),
            help="The actual amount divided by the target."),
        'get_actual')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('assignee_period_category_exclude', Exclude(t,
                    (t.company, Equal),
                    (Coalesce(t.employee, -1), Equal),
                    (Coalesce(t.team, -1), Equal),
                    (t.period, Equal),
                    (t.year, Equal),
                    (Coalesce(t.number, 0), Equal),
                    (Coalesce(t.category, -1), Equal)),
                'crm8_sales.msg_quota_unique'),
            ]
        cls._order = [
            ('start_date', 'DESC'), ('end_date', 'ASC'), ('id', 'DESC')]
        cls._buttons.update({
                'open_orders': {},
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_period(cls):
        return 'year'

    @classmethod
    def default_year(cls):
        return Pool().get('ir.date').today().year

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('period', 'number')
    def on_change_period(self):
        if self.period == 'year':
            self.number = None

    def get_rec_name(self, name):
        assignee = self.employee or self.team
        names = [assignee.rec_name if assignee else '', self.period_name]
        if self.category:
            names.append(self.category.rec_name)
        return ' - '.join(names)

    @property
    def period_name(self):
        if self.period == 'quarter':
            return f'{self.year}Q{self.number}'
        elif self.period == 'month':
            return f'{self.year}-{self.number:02d}'
        return str(self.year)

    @classmethod
    def search_rec_name(cls, name, clause):
        operator = clause[1]
        bool_op = 'AND' if operator.startswith('!') or operator.startswith(
            'not ') else 'OR'
        return [bool_op,
            ('employee.rec_name', *clause[1:]),
            ('team.rec_name', *clause[1:]),
            ]

    @classmethod
    def validate_fields(cls, quotas, field_names):
        super().validate_fields(quotas, field_names)
        if field_names is None or {'employee', 'team'} & field_names:
            for quota in quotas:
                if bool(quota.employee) == bool(quota.team):
                    raise ValidationError(gettext(
                            'crm8_sales.msg_quota_one_assignee',
                            quota=quota.rec_name))
        if field_names is None or {'period', 'number', 'year'} & field_names:
            for quota in quotas:
                count = PERIODS[quota.period]
                if quota.period == 'year':
                    valid = not quota.number
                else:
                    valid = quota.number and 1 <= quota.number <= count
                if not valid or not 1 <= quota.year <= 9999:
                    raise ValidationError(gettext(
                            'crm8_sales.msg_quota_period_number',
                            quota=quota.rec_name,
                            period=quota.period_string,
                            count=count))

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if field_names is None or {'period', 'year', 'number'} & field_names:
            start_date, end_date = period_dates(
                self.period, self.year, self.number)
            if (self.start_date, self.end_date) != (start_date, end_date):
                values['start_date'] = start_date
                values['end_date'] = end_date
        return values

    def sold_employees(self, teams):
        "Return the ids of the employees whose orders count"
        if self.team:
            return teams[self.team.id]
        # read before validation refuses a quota without assignee
        return {self.employee.id} if self.employee else set()

    @classmethod
    def category_ids(cls, quotas):
        "Return {category id: ids of it and its children}"
        Category = Pool().get('product.category')
        return {c.id: [d.id for d in Category.search(
                        [('parent', 'child_of', [c.id])])]
            for c in {q.category for q in quotas if q.category}}

    @classmethod
    def get_actual(cls, quotas, names):
        pool = Pool()
        TemplateCategory = pool.get('product.template-product.category.all')
        Product = pool.get('product.product')
        cursor = Transaction().connection.cursor()
        teams = team_employees({q.team for q in quotas if q.team})
        categories = cls.category_ids(quotas)
        # the employees and categories of each quota as VALUES tables: the
        # sales of every quota are summed in one query
        employee_scope = Values([(q.id, e) for q in quotas
                for e in q.sold_employees(teams)] or [(-1, -1)])
        category_scope = Values([(q.id, c) for q in quotas if q.category
                for c in categories[q.category.id]] or [(-1, -1)])
        quota = cls.__table__()
        product = Product.__table__()
        template_category = TemplateCategory.__table__()
        sale, line, query, where, amount = sold_lines()
        in_category = Exists(template_category
            .join(category_scope,
                condition=category_scope.column2
                == template_category.category)
            .select(Literal(1),
                where=(template_category.template == product.template)
                & (category_scope.column1 == quota.id)))
        query = (query
            .join(employee_scope,
                condition=employee_scope.column2 == sale.employee)
            .join(quota, condition=(quota.id == employee_scope.column1)
                & (quota.company == sale.company)
                & (sale.sale_date >= quota.start_date)
                & (sale.sale_date <= quota.end_date))
            .join(product, 'LEFT', condition=product.id == line.product))
        cursor.execute(*query.select(quota.id, Sum(amount),
                where=where & ((quota.category == Null) | in_category),
                group_by=[quota.id]))
        sold = dict(cursor)
        actual, attainment = {}, {}
        for quota in quotas:
            value = sold.get(quota.id) or 0
            if not isinstance(value, Decimal):
                value = Decimal(str(value))
            actual[quota.id] = quota.company.currency.round(value)
            attainment[quota.id] = (
                float(actual[quota.id] / quota.target)
                if quota.target else None)
        result = {'actual': actual, 'attainment': attainment}
        return {n: result[n] for n in names}

    def orders_domain(self, teams=None, categories=None):
        "The domain of the orders that the actual amount counts"
        if teams is None:
            teams = team_employees([self.team] if self.team else [])
        domain = [
            ('company', '=', self.company.id),
            ('currency', '=', self.company.currency.id),
            ('state', 'in', SOLD),
            ('sale_date', '>=', self.start_date),
            ('sale_date', '<=', self.end_date),
            ('employee', 'in', list(self.sold_employees(teams))),
            ]
        if self.category:
            if categories is None:
                categories = self.category_ids([self])
            domain.append(('lines', 'where', [
                        ('type', '=', 'line'),
                        ('product.template.categories_all', 'in',
                            categories[self.category.id]),
                        ]))
        return domain

    @classmethod
    @ModelView.button_action('crm8_sales.act_quota_orders')
    def open_orders(cls, quotas):
        "Open the orders counted by the quotas (SAL-17 drill-down)"
        teams = team_employees({q.team for q in quotas if q.team})
        categories = cls.category_ids(quotas)
        domain = ['OR'] + [q.orders_domain(teams, categories) for q in quotas]
        return {
            'pyson_domain': PYSONEncoder().encode(domain),
            'name': ', '.join(q.rec_name for q in quotas),
            }


class PeriodContext(ModelView):
    "Company and period of a report: the fields of its context model"
    __slots__ = ()
    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date(
        "From Date",
        domain=[If(Eval('from_date') & Eval('to_date'),
                ('from_date', '<=', Eval('to_date')), ())],
        help="The first day counted.")
    to_date = fields.Date(
        "To Date",
        domain=[If(Eval('from_date') & Eval('to_date'),
                ('to_date', '>=', Eval('from_date')), ())],
        help="The last day counted.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_from_date(cls):
        today = Pool().get('ir.date').today()
        return Transaction().context.get('from_date', today.replace(
                month=1, day=1))

    @classmethod
    def default_to_date(cls):
        return Transaction().context.get('to_date')


class RevenueContext(PeriodContext):
    "Company and period of the revenue roll-up"
    __string__ = "Revenue Context"
    __name__ = 'crm8.sales.revenue.context'


class _Revenue(ModelSQL, ModelView):
    __slots__ = ()
    month = fields.Date("Month")
    company = fields.Many2One('company.company', "Company")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'get_currency')
    amount = Monetary(
        "Revenue", currency='currency', digits='currency',
        help="The untaxed amount of the orders sold.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('amount', 'DESC'), ('id', 'ASC')]

    def get_currency(self, name):
        return self.company.currency.id

    @classmethod
    def _sales(cls):
        "Return the sold lines of the context: (rows with id, employee...)"
        context = Transaction().context
        sale, line, query, where, amount = sold_lines()
        where &= sale.company == context.get('company', -1)
        if context.get('from_date'):
            where &= sale.sale_date >= context['from_date']
        if context.get('to_date'):
            where &= sale.sale_date <= context['to_date']
        month = cls._fields['month'].sql_cast(
            DateTrunc('month', sale.sale_date))
        # the month is computed in a subquery: PostgreSQL does not match a
        # parameterised expression of the SELECT with that of the GROUP BY
        return query.select(
            line.id, sale.company, sale.employee, month.as_('month'),
            amount.as_('amount'), where=where)


class RevenueRep(_Revenue):
    "The revenue of each rep per month (SAL-18)"
    __string__ = "Revenue by Rep"
    __name__ = 'crm8.sales.revenue.rep'
    employee = fields.Many2One('company.employee', "Sales Rep")

    @classmethod
    def table_query(cls):
        rows = cls._sales()
        return rows.select(
            Min(rows.id).as_('id'),
            rows.month, rows.company, rows.employee,
            cls.amount.sql_cast(Sum(rows.amount)).as_('amount'),
            group_by=[rows.month, rows.company, rows.employee])


class RevenueTeam(_Revenue):
    """The revenue of each department and sales team per month, with their
    sub-teams (SAL-18)"""
    __string__ = "Revenue by Team"
    __name__ = 'crm8.sales.revenue.team'
    team = fields.Many2One('crm8.team', "Team")

    @classmethod
    def table_query(cls):
        pool = Pool()
        team = pool.get('crm8.team').__table__()
        member = pool.get('crm8.team-company.employee').__table__()
        # every team with itself and the teams below it
        tree = With('ancestor', 'descendant', recursive=True)
        tree.query = team.select(team.id, team.id)
        tree.query |= tree.join(team,
            condition=team.parent == tree.descendant).select(
            tree.ancestor, team.id)
        tree.query.all_ = True
        staff = (member.select(member.team, member.employee)
            | team.select(team.id, team.leader, where=team.leader != Null))
        # an employee of two sub-teams counts once for the team above
        employees = tree.join(staff, condition=staff.team == tree.descendant
            ).select(tree.ancestor.as_('team'), staff.employee,
            distinct=True, with_=[tree])
        rows = cls._sales()
        # a line counts for each team above its rep: the id combines both
        id_ = Cast(Min(rows.id), 'BIGINT') * 1000000 + employees.team
        return (employees
            .join(rows, condition=rows.employee == employees.employee)
            .select(
                id_.as_('id'),
                rows.month, rows.company, employees.team.as_('team'),
                cls.amount.sql_cast(Sum(rows.amount)).as_('amount'),
                group_by=[rows.month, rows.company, employees.team]))
