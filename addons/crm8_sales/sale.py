# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Quotations (SAL-12) and orders (SAL-13) on Tryton's sale.sale."""
from crm8.crm8_base.document import ExcelReport, HTMLReport

from trytond.i18n import gettext
from trytond.model import Index, ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import QuoteError

QUOTE_STATUSES = [
    (None, ""),
    ('sent', "Sent"),
    ('viewed', "Viewed"),
    ('accepted', "Accepted"),
    ('rejected', "Rejected"),
    ('expired', "Expired"),
    ]
# planned / firm / closed are the brochure's order states on Tryton's states
ORDER_STAGES = {
    'planned': ['draft', 'quotation'],
    'firm': ['confirmed', 'processing'],
    'closed': ['done', 'cancelled'],
    }


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    quote_status = fields.Selection(
        QUOTE_STATUSES, "Quote Status", readonly=True, sort=False,
        help="Where the quotation sent to the customer stands.")
    quote_status_string = quote_status.translated('quote_status')
    quote_sent_date = fields.Date("Sent on", readonly=True)
    quote_viewed_date = fields.Date("Viewed on", readonly=True)
    quote_accepted_date = fields.Date("Accepted on", readonly=True)
    quote_rejected_date = fields.Date("Rejected on", readonly=True)
    quote_expired_date = fields.Date("Expired on", readonly=True)
    order_stage = fields.Function(fields.Selection([
                ('planned', "Planned"),
                ('firm', "Firm"),
                ('closed', "Closed"),
                ], "Order Stage",
            help="Planned: draft or quotation.\n"
            "Firm: confirmed or processing.\n"
            "Closed: done or cancelled."),
        'get_order_stage', searcher='search_order_stage')
    survey_requested = fields.Date(
        "Survey Requested", readonly=True,
        help="When the customer was asked for a satisfaction survey.")
    # Tryton's sale records who quoted and confirmed, not who sold: the
    # quotas (SAL-17) and the revenue roll-up (SAL-18) count per rep
    employee = fields.Many2One(
        'company.employee', "Sales Rep",
        domain=[('company', '=', Eval('company', -1))],
        states={
            'readonly': ~Eval('state').in_(['draft', 'quotation']),
            },
        help="The rep whose quota and revenue the order counts for.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        sendable = ((Eval('state') == 'quotation')
            & ~Eval('quote_status').in_(['sent', 'viewed', 'accepted']))
        answerable = ((Eval('state') == 'quotation')
            & Eval('quote_status').in_(['sent', 'viewed']))
        t = cls.__table__()
        cls._sql_indexes.add(Index(t,
                (t.employee, Index.Range()), (t.sale_date, Index.Range())))
        cls._buttons.update({
                'send_quote': {
                    'invisible': ~sendable,
                    'depends': ['state', 'quote_status'],
                    },
                'quote_viewed': {
                    'invisible': ((Eval('state') != 'quotation')
                        | (Eval('quote_status') != 'sent')),
                    'depends': ['state', 'quote_status'],
                    },
                'quote_accepted': {
                    'invisible': ~answerable,
                    'depends': ['state', 'quote_status'],
                    },
                'quote_rejected': {
                    'invisible': ~answerable,
                    'depends': ['state', 'quote_status'],
                    },
                })

    @classmethod
    def default_employee(cls):
        return Transaction().context.get('employee')

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        for name in ['quote_status', 'quote_sent_date', 'quote_viewed_date',
                'quote_accepted_date', 'quote_rejected_date',
                'quote_expired_date', 'survey_requested']:
            default.setdefault(name)
        return super().copy(sales, default=default)

    def get_order_stage(self, name):
        for stage, states in ORDER_STAGES.items():
            if self.state in states:
                return stage

    @classmethod
    def search_order_stage(cls, name, clause):
        _, operator, value = clause[:3]
        values = value if operator in {'in', 'not in'} else [value]
        states = sum((ORDER_STAGES.get(v, []) for v in values), [])
        if operator in {'=', 'in'}:
            return [('state', 'in', states)]
        return [('state', 'not in', states)]

    def _product_lines(self):
        "Yield (line, quantity in the product's unit) of the product lines"
        Uom = Pool().get('product.uom')
        for line in self.line_lines:
            if line.product and line.quantity and line.unit:
                yield line, Uom.compute_qty(
                    line.unit, line.quantity, line.product.default_uom,
                    round=False)

    def get_approval_discount(self):
        "Return the discount from the catalogue list prices"
        listed = offered = 0
        with Transaction().set_context(company=self.company.id):
            for line, quantity in self._product_lines():
                list_price = line.product.list_price_used
                if list_price:
                    listed += float(list_price) * quantity
                    offered += float(line.amount or 0)
        if listed > 0:
            return round(1 - offered / listed, 4)

    def get_approval_margin(self):
        "Return the margin rate on the cost price of the product lines"
        cost = revenue = 0
        with Transaction().set_context(company=self.company.id):
            for line, quantity in self._product_lines():
                cost += float(line.product.cost_price or 0) * quantity
                revenue += float(line.amount or 0)
        if revenue > 0:
            return round((revenue - cost) / revenue, 4)

    @classmethod
    def _quote_status(cls, sales, status):
        today = Pool().get('ir.date').today()
        cls.write(sales, {
                'quote_status': status,
                f'quote_{status}_date': today,
                })

    @classmethod
    @ModelView.button
    def send_quote(cls, sales):
        for sale in sales:
            if sale.state != 'quotation':
                raise QuoteError(gettext(
                        'crm8_sales.msg_quote_not_quotation',
                        sale=sale.rec_name))
        # a quotation above a threshold goes out only once approved
        cls.check_approval(sales)
        cls._quote_status(sales, 'sent')

    @classmethod
    @ModelView.button
    def quote_viewed(cls, sales):
        cls._quote_status(sales, 'viewed')

    @classmethod
    @ModelView.button
    def quote_accepted(cls, sales):
        cls._quote_status(sales, 'accepted')

    @classmethod
    @ModelView.button
    def quote_rejected(cls, sales):
        cls._quote_status(sales, 'rejected')

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, sales):
        super().confirm(sales)
        answered = [s for s in sales if s.quote_status in {'sent', 'viewed'}]
        if answered:
            cls._quote_status(answered, 'accepted')

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, sales):
        super().draft(sales)
        # a revised quotation is sent again
        cls.write(sales, {'quote_status': None})

    @classmethod
    def cancel_expired_quotation(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        sales = cls.search([
                ('state', '=', 'quotation'),
                ('quotation_expire', '<', Date.today()),
                ('company', '=', Transaction().context.get('company', -1)),
                ])
        if sales:
            cls._quote_status(sales, 'expired')
        super().cancel_expired_quotation()

    @classmethod
    @ModelView.button
    def process(cls, sales):
        super().process(sales)
        delivered = [s for s in cls.browse(sales)
            if not s.survey_requested
            and (s.state == 'done' or s.shipment_state == 'sent')]
        for sale in delivered:
            sale.request_satisfaction_survey()
        if delivered:
            cls.write(delivered, {
                    'survey_requested': Pool().get('ir.date').today(),
                    })

    def request_satisfaction_survey(self):
        """Ask the customer how satisfied they are with the order.

        A hook: the survey module overrides it to send a questionnaire.
        """


class SalePDF(HTMLReport):
    __string__ = "Quotation / Order (PDF)"
    __name__ = 'crm8.sales.sale.pdf'


class SaleExcel(ExcelReport):
    __string__ = "Quotation / Order (Excel)"
    __name__ = 'crm8.sales.sale.excel'

    @classmethod
    def sheets(cls, records, data):
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')

        def label(Model, name):
            return Model.fields_get([name])[name]['string']

        sale_fields = ['number', 'party', 'quotation_date', 'sale_date',
            'state', 'quote_status', 'untaxed_amount', 'tax_amount',
            'total_amount']
        line_fields = ['product', 'description', 'quantity', 'unit',
            'unit_price', 'amount']
        sales = [(
                s.number, s.party.rec_name, s.quotation_date, s.sale_date,
                s.state_string, s.quote_status_string, s.untaxed_amount,
                s.tax_amount, s.total_amount) for s in records]
        lines = [(
                s.number,
                l.product.rec_name if l.product else None,
                l.description, l.quantity,
                l.unit.rec_name if l.unit else None,
                l.unit_price, l.amount)
            for s in records for l in s.line_lines]
        return [
            (Sale.__names__()['model'],
                [label(Sale, f) for f in sale_fields], sales),
            (label(Sale, 'lines'),
                [label(Sale, 'number')] + [label(Line, f)
                    for f in line_fields], lines),
            ]
