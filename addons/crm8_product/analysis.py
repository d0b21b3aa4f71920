# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Product analysis (PRD-12): one SQL query per level, product and series."""
from sql import Cast, Literal, Null, Union
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case, Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval

# orders that count as sold
SOLD_STATES = ['confirmed', 'processing', 'done']


class _Analysis(ModelSQL, ModelView):
    __slots__ = ()
    company = fields.Many2One('company.company', "Company")
    customers = fields.Integer("Customers",
        help="The number of customers who ordered it.")
    quantity = fields.Float("Quantity Sold")
    revenue = fields.Numeric("Revenue", digits=(16, 2))
    cost = fields.Numeric("Total Cost", digits=(16, 2),
        help="The quantity sold times the current cost price.")
    gross_margin = fields.Numeric("Gross Margin", digits=(16, 2))
    opportunities = fields.Integer("Opportunities")
    won_opportunities = fields.Integer("Won Opportunities")
    presales_cost = fields.Numeric("Pre-sales Cost", digits=(16, 2),
        help="The expenses of the opportunities that offered it, shared "
        "equally among their product lines.")
    presales_roi = fields.Float("Pre-sales ROI", digits=(16, 4),
        help="(Gross margin of the orders made from opportunities - "
        "pre-sales cost) / pre-sales cost; empty without pre-sales cost.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('revenue', 'DESC'), ('id', 'ASC')]

    @classmethod
    def _rows(cls):
        """Per template: one row per sold line and per opportunity line;
        each part selects its columns in this order: id, template,
        company, party, opportunity, won, quantity, revenue, cost,
        presales_return, presales_cost.  Ids are 3n, 3n + 1 and 3n + 2
        (the last for extensions)."""
        pool = Pool()
        line = pool.get('sale.line').__table__()
        sale = pool.get('sale.sale').__table__()
        product = pool.get('product.product').__table__()
        cost_price = pool.get('product.cost_price').__table__()
        opp_line = pool.get('sale.opportunity.line').__table__()
        opportunity = pool.get('sale.opportunity').__table__()
        numeric = cls.revenue.sql_cast
        quantity = numeric(line.quantity)
        sold = (line
            .join(sale, condition=line.sale == sale.id)
            .join(product, condition=line.product == product.id)
            .join(cost_price, 'LEFT', condition=(
                    (cost_price.product == product.id)
                    & (cost_price.company == sale.company)))
            .select(
                (line.id * 3).as_('id'),
                product.template.as_('template'),
                sale.company.as_('company'),
                sale.party.as_('party'),
                Literal(None).as_('opportunity'),
                Literal(None).as_('won'),
                line.quantity.as_('quantity'),
                (quantity * line.unit_price).as_('revenue'),
                (quantity * Coalesce(cost_price.cost_price, 0)).as_('cost'),
                # the gross margin of an order won through an opportunity
                # is what its pre-sales work returned
                Case((sale.origin.like('sale.opportunity,%'), quantity * (
                            line.unit_price
                            - Coalesce(cost_price.cost_price, 0))),
                    else_=0).as_('presales_return'),
                Literal(0).as_('presales_cost'),
                where=(line.type == 'line')
                & sale.state.in_(SOLD_STATES)))
        offered = (opp_line
            .join(opportunity,
                condition=opp_line.opportunity == opportunity.id)
            .join(product, condition=opp_line.product == product.id)
            .select(
                (opp_line.id * 3 + 1).as_('id'),
                product.template.as_('template'),
                opportunity.company.as_('company'),
                Literal(None).as_('party'),
                opportunity.id.as_('opportunity'),
                Case(
                    (opportunity.state.in_(['won', 'converted']),
                        opportunity.id),
                    else_=Null).as_('won'),
                Literal(0).as_('quantity'),
                Literal(0).as_('revenue'),
                Literal(0).as_('cost'),
                Literal(0).as_('presales_return'),
                Literal(0).as_('presales_cost'),
                where=opportunity.state != 'cancelled'))
        return Union(sold, offered, all_=True)

    @classmethod
    def _aggregates(cls, rows):
        numeric = cls.revenue.sql_cast
        return [
            Count(rows.party, distinct=True).as_('customers'),
            Sum(rows.quantity).as_('quantity'),
            numeric(Sum(rows.revenue)).as_('revenue'),
            numeric(Sum(rows.cost)).as_('cost'),
            numeric(Sum(rows.revenue) - Sum(rows.cost)).as_('gross_margin'),
            Count(rows.opportunity, distinct=True).as_('opportunities'),
            Count(rows.won, distinct=True).as_('won_opportunities'),
            numeric(Sum(rows.presales_cost)).as_('presales_cost'),
            Case((Sum(rows.presales_cost) > 0, Cast(
                        (Sum(rows.presales_return) - Sum(rows.presales_cost))
                        / Sum(rows.presales_cost), 'FLOAT')),
                else_=Null).as_('presales_roi'),
            ]


class Analysis(_Analysis):
    "Sales and pre-sales figures per product"
    __string__ = "Product Analysis"
    __name__ = 'crm8.product.analysis'
    template = fields.Many2One('product.template', "Product",
        context={'company': Eval('company', -1)}, depends={'company'})
    series = fields.Many2One('crm8.product.series', "Series")

    @classmethod
    def table_query(cls):
        template = Pool().get('product.template').__table__()
        rows = cls._rows()
        return rows.join(template, condition=rows.template == template.id
            ).select(
                Min(rows.id).as_('id'),
                rows.template.as_('template'),
                template.series.as_('series'),
                rows.company.as_('company'),
                *cls._aggregates(rows),
                group_by=[rows.template, template.series, rows.company])


class SeriesAnalysis(_Analysis):
    "Sales and pre-sales figures per series of products"
    __string__ = "Product Series Analysis"
    __name__ = 'crm8.product.analysis.series'
    series = fields.Many2One('crm8.product.series', "Series")

    @classmethod
    def table_query(cls):
        template = Pool().get('product.template').__table__()
        rows = cls._rows()
        return rows.join(template, condition=rows.template == template.id
            ).select(
                Min(rows.id).as_('id'),
                template.series.as_('series'),
                rows.company.as_('company'),
                *cls._aggregates(rows),
                where=template.series != Null,
                group_by=[template.series, rows.company])
