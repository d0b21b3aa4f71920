# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Commissions (SAL-19) on Tryton's commission module: the agents of the
sales reps, the commission entered per order and the monthly figures."""
from collections import defaultdict

from sql import Literal, Null
from sql.aggregate import Min, Sum
from sql.conditionals import Case
from sql.functions import DateTrunc, Round
from sql.operators import Equal

from trytond.model import Exclude, ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.product import price_digits, round_price
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .quota import PeriodContext


class Agent(metaclass=PoolMeta):
    __name__ = 'commission.agent'
    # upstream's agent selection matches who quoted the order; crm8 pays
    # the order's sales rep, so an agent names the rep it stands for
    employee = fields.Many2One(
        'company.employee', "Sales Rep", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={
            'invisible': Eval('type_') != 'agent',
            },
        help="The sales rep whose orders get this agent.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('employee_exclude', Exclude(t,
                    (t.company, Equal), (t.employee, Equal),
                    where=(t.active == Literal(True))
                    & (t.type_ == 'agent') & (t.employee != Null)),
                'crm8_sales.msg_agent_employee_unique'),
            ]

    @classmethod
    def rep_agents(cls, employees):
        "Return {employee id: agent} of the active agents of the reps"
        agents = cls.search([
                ('type_', '=', 'agent'),
                ('employee', 'in', [e.id for e in employees]),
                ])
        return {a.employee.id: a for a in agents}


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def create_commissions(cls, invoices):
        pool = Pool()
        Commission = pool.get('commission')
        commissions = super().create_commissions(invoices)
        manual = []
        for sale, lines in cls._manual_commission_lines(invoices).items():
            manual.extend(sale.get_manual_commissions(lines))
        Commission.save(manual)
        return commissions + manual

    @classmethod
    def _manual_commission_lines(cls, invoices):
        "Return {order: its invoice lines} for the orders' manual commission"
        result = defaultdict(list)
        for invoice in invoices:
            for line in invoice.lines:
                # a credit note does not take back a manual commission
                sale = line._manual_commission_sale(line.origin)
                if sale and line.type == 'line':
                    result[sale].append(line)
        return result


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @property
    def manual_commission_sale(self):
        """The order of the line (or of the line it credits) whose manual
        commission replaces the plan for the invoice's agent"""
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        origin = self.origin
        if isinstance(origin, InvoiceLine):
            origin = origin.origin
        return self._manual_commission_sale(origin)

    def _manual_commission_sale(self, origin):
        SaleLine = Pool().get('sale.line')
        if (isinstance(origin, SaleLine)
                and origin.sale.commission_amount is not None
                and self.invoice.agent
                and self.invoice.agent == origin.sale.agent):
            return origin.sale

    @property
    def agent_plans_used(self):
        used = super().agent_plans_used
        if self.manual_commission_sale:
            used = [(a, p) for a, p in used if a != self.invoice.agent]
        return used


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'
    commission_amount = Monetary(
        "Manual Commission", currency='currency', digits='currency',
        domain=[If(Eval('commission_amount'),
                ('commission_amount', '>', 0), ())],
        states={
            'readonly': ~Eval('state').in_(['draft', 'quotation']),
            'invisible': ~Eval('agent'),
            },
        help="The commission of the agent for the whole order, "
        "instead of the one computed by the agent's plan.\n"
        "Leave empty to use the plan.")

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('commission_amount')
        return super().copy(sales, default=default)

    @fields.depends('employee', 'agent', 'state')
    def on_change_employee(self):
        self.agent = self.rep_agent(
            Pool().get('commission.agent').rep_agents(
                [self.employee] if self.employee else []))

    def rep_agent(self, agents):
        """Return the agent of the order for its rep: the rep's agent unless
        an agent was chosen by hand (one that stands for no rep)"""
        if (self.state not in {'draft', 'quotation'} or not self.employee
                or (self.agent and not self.agent.employee)):
            return self.agent
        return agents.get(self.employee.id)

    @classmethod
    def on_modification(cls, mode, sales, field_names=None):
        super().on_modification(mode, sales, field_names=field_names)
        if mode == 'delete' or (
                field_names is not None and 'employee' not in field_names):
            return
        Agent = Pool().get('commission.agent')
        agents = Agent.rep_agents({s.employee for s in sales if s.employee})
        to_write = []
        for sale in sales:
            agent = sale.rep_agent(agents)
            if agent != sale.agent:
                to_write.extend(
                    ([sale], {'agent': agent.id if agent else None}))
        if to_write:
            cls.write(*to_write)

    def get_manual_commissions(self, lines):
        """Return the commissions that give the agent the rest of the manual
        amount, spread over the invoice lines by their amounts"""
        pool = Pool()
        Commission = pool.get('commission')
        Currency = pool.get('currency.currency')
        Date = pool.get('ir.date')
        agent = self.agent
        plan = agent.plan
        if not plan or not plan.commission_product:
            return []
        invoice_lines = [i for l in self.lines for i in l.invoice_lines]
        given = Commission.search([
                ('agent', '=', agent.id),
                ('origin', 'in', [str(i) for i in invoice_lines]),
                ])
        # a commission invoiced already lies among them; a cancelled posted
        # invoice left its reversal: the sum is what the agent has
        rest = agent.currency.round(
            self.manual_commission_in(agent.currency)
            - sum(c.amount for c in given))
        total = sum(line.amount for line in lines)
        commissions = []
        for i, line in enumerate(lines):
            invoice = line.invoice
            if i == len(lines) - 1 or not total:
                amount = rest
            else:
                amount = agent.currency.round(
                    rest * line.amount / total)
                total -= line.amount
            rest -= amount
            if not amount:
                continue
            with Transaction().set_context(date=invoice.currency_date):
                base_amount = Currency.compute(
                    invoice.currency, line.amount, agent.currency)
            # stored with the digits of upstream's commissions
            commission = Commission(
                origin=line, agent=agent, product=plan.commission_product,
                base_amount=round_price(base_amount),
                amount=round_price(amount))
            # the dates follow upstream's method of the plan
            if plan.commission_method == 'posting':
                with Transaction().set_context(company=invoice.company.id):
                    commission.date = invoice.invoice_date or Date.today()
            commissions.append(commission)
        return commissions

    def manual_commission_in(self, currency):
        Currency = Pool().get('currency.currency')
        with Transaction().set_context(date=self.sale_date):
            return Currency.compute(
                self.currency, self.commission_amount, currency)


class CommissionContext(PeriodContext):
    "Company and period of the commission figures"
    __string__ = "Commission Context"
    __name__ = 'crm8.sales.commission.context'


class CommissionAgent(ModelSQL, ModelView):
    "The commissions of each agent per month (SAL-19)"
    __string__ = "Commissions by Agent"
    __name__ = 'crm8.sales.commission.agent'
    month = fields.Date("Month")
    company = fields.Many2One('company.company', "Company")
    agent = fields.Many2One('commission.agent', "Agent")
    employee = fields.Many2One('company.employee', "Sales Rep")
    currency = fields.Many2One('currency.currency', "Currency")
    amount = Monetary(
        "Amount", currency='currency', digits=price_digits,
        help="The commissions due in the month.")
    paid_amount = Monetary(
        "Paid", currency='currency', digits=price_digits,
        help="The commissions on a paid invoice of the agent.")
    to_pay_amount = Monetary(
        "To Pay", currency='currency', digits=price_digits,
        help="The commissions not yet paid to the agent.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('amount', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        commission = pool.get('commission').__table__()
        agent = pool.get('commission.agent').__table__()
        line = pool.get('account.invoice.line').__table__()
        invoice = pool.get('account.invoice').__table__()
        context = Transaction().context
        where = ((agent.company == context.get('company', -1))
            & (agent.type_ == 'agent') & (commission.date != Null))
        if context.get('from_date'):
            where &= commission.date >= context['from_date']
        if context.get('to_date'):
            where &= commission.date <= context['to_date']
        paid = Case(
            (invoice.state == 'paid', commission.amount), else_=0)
        month = cls.month.sql_cast(DateTrunc('month', commission.date))
        # the month is computed in a subquery: PostgreSQL does not match a
        # parameterised expression of the SELECT with that of the GROUP BY
        rows = (commission
            .join(agent, condition=agent.id == commission.agent)
            .join(line, 'LEFT', condition=line.id == commission.invoice_line)
            .join(invoice, 'LEFT', condition=invoice.id == line.invoice)
            .select(commission.id, agent.company, commission.agent,
                agent.employee, agent.currency, month.as_('month'),
                commission.amount, paid.as_('paid'), where=where))
        amount = cls.amount.sql_cast(Round(Sum(rows.amount), price_digits[1]))
        paid = cls.paid_amount.sql_cast(Round(Sum(rows.paid), price_digits[1]))
        return rows.select(
            Min(rows.id).as_('id'),
            rows.month, rows.company, rows.agent, rows.employee,
            rows.currency, amount.as_('amount'), paid.as_('paid_amount'),
            (amount - paid).as_('to_pay_amount'),
            group_by=[rows.month, rows.company, rows.agent, rows.employee,
                rows.currency])

    def get_rec_name(self, name):
        return f'{self.agent.rec_name} - {self.month:%Y-%m}'
