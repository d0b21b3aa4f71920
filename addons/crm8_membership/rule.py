# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.pyson import Eval, If


# empty sequences last: the first matching rule wins, and a catch-all rule
# saved without a sequence must not pass the specific rules (the order is the
# query's, so it holds for the rules already saved too)
class EarnRule(
        DeactivableMixin, sequence_ordered(order='ASC NULLS LAST'),
        ModelSQL, ModelView):
    __string__ = "Points Earn Rule"
    __name__ = 'crm8.member.earn.rule'
    programme = fields.Many2One(
        'crm8.member.programme', "Programme", required=True,
        ondelete='CASCADE')
    name = fields.Char("Name", required=True, translate=True)
    member_type = fields.Many2One(
        'crm8.member.type', "Member Type", ondelete='CASCADE',
        domain=[
            ('programme', '=', Eval('programme', -1)),
            ],
        help="Apply only to members of this type; empty for every type.")
    region = fields.Many2One(
        'country.subdivision', "Region", ondelete='CASCADE',
        help="Apply only to sales at points of sale in this region or "
        "under it; empty for everywhere.")
    series = fields.Many2One(
        'crm8.product.series', "Type or Series", ondelete='CASCADE',
        help="Apply only to products of this type or series and of the "
        "series under it; empty for any product.")
    start_date = fields.Date(
        "Start Date",
        domain=[
            If(Eval('start_date') & Eval('end_date'),
                ('start_date', '<=', Eval('end_date')),
                ()),
            ])
    end_date = fields.Date("End Date")
    points_per_amount = fields.Numeric(
        "Points per Unit", digits=(16, 4), required=True,
        domain=[('points_per_amount', '>=', 0)],
        help="Points earned for each unit of currency spent, "
        "for example 1 point per yuan, or 2 in a double-points week.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # the programme's company rule applies to its earn rules
        cls.__access__.add('programme')

    @classmethod
    def default_points_per_amount(cls):
        return Decimal(1)

    def match(self, member_type, date, region, series):
        if self.member_type and self.member_type != member_type:
            return False
        if self.start_date and date < self.start_date:
            return False
        if self.end_date and date > self.end_date:
            return False
        if self.region and self.region not in ancestors(region):
            return False
        if self.series and self.series not in ancestors(series):
            return False
        return True


def ancestors(record):
    "Return the record and its parents"
    result = []
    while record:
        result.append(record)
        record = record.parent
    return result
