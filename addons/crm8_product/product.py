# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import re

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered, tree)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Id
from trytond.transaction import Transaction

from crm8.crm8_base.approval import ApprovalMixin

from .exceptions import CodeRuleError, ProductApprovalError, SeriesError

KINDS = [
    ('type', "Product Type"),
    ('series', "Series"),
    ('sub_series', "Sub-series"),
    ]
# the kinds a node of each kind may hang under
PARENT_KINDS = {
    'type': {None},
    'series': {None, 'type', 'series'},
    'sub_series': {'series', 'sub_series'},
    }
DATE_FORMAT = re.compile(r'^([^%]|%[Yymd])*$')


class Series(DeactivableMixin, tree(separator=' / '), ModelSQL, ModelView):
    __string__ = "Product Series"
    __name__ = 'crm8.product.series'
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", strip=True)
    kind = fields.Selection(
        KINDS, "Kind", required=True, sort=False,
        help="Product types are the top level; series hang under a type "
        "and sub-series under a series.")
    kind_string = kind.translated('kind')
    parent = fields.Many2One(
        'crm8.product.series', "Parent", ondelete='RESTRICT')
    children = fields.One2Many('crm8.product.series', 'parent', "Children")
    templates = fields.One2Many('product.template', 'series', "Products")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_kind(cls):
        return 'series'

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        if field_names and not (field_names & {'kind', 'parent'}):
            return
        for record in records:
            parent_kind = record.parent.kind if record.parent else None
            if parent_kind not in PARENT_KINDS[record.kind]:
                raise SeriesError(gettext(
                        'crm8_product.msg_series_parent_kind',
                        series=record.rec_name,
                        kind=record.kind_string,
                        parent=(record.parent.rec_name
                            if record.parent else '-')))

    def ancestors(self):
        "Yield the node and its parents, nearest first"
        node = self
        while node:
            yield node
            node = node.parent

    @property
    def product_type(self):
        for node in self.ancestors():
            if node.kind == 'type':
                return node


class Brand(DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Product Brand"
    __name__ = 'crm8.product.brand'
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", strip=True)
    templates = fields.One2Many('product.template', 'brand', "Products")


class CodeRule(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    __string__ = "Product Code Rule"
    __name__ = 'crm8.product.code.rule'
    name = fields.Char("Name", required=True, translate=True)
    series = fields.Many2One(
        'crm8.product.series', "Type or Series", ondelete='CASCADE',
        help="Apply only to products of this type or series and of the "
        "series under it; empty for any product.")
    brand = fields.Many2One(
        'crm8.product.brand', "Brand", ondelete='CASCADE',
        help="Apply only to products of this brand; empty for any brand.")
    prefix = fields.Char(
        "Prefix", strip=False,
        help="Text put at the start of the code, for example \"MMS-\".")
    date_format = fields.Char(
        "Date Part", strip=False,
        help="The creation date in the code: %Y year, %y two-digit year, "
        "%m month, %d day; other characters are kept, for example "
        "\"%Y%m-\".")
    code_sequence = fields.Many2One(
        'ir.sequence', "Number Sequence", required=True,
        domain=[
            ('sequence_type', '=',
                Id('product', 'sequence_type_template')),
            ],
        help="Gives the running number at the end of the code.")

    @classmethod
    def validate_fields(cls, rules, field_names):
        super().validate_fields(rules, field_names)
        if field_names and 'date_format' not in field_names:
            return
        for rule in rules:
            if rule.date_format and not DATE_FORMAT.match(rule.date_format):
                raise CodeRuleError(gettext(
                        'crm8_product.msg_code_rule_date_format',
                        rule=rule.rec_name, format=rule.date_format))

    def match(self, series, brand):
        "Tell if the rule applies to a product of series and brand"
        if self.series and (not series
                or self.series not in series.ancestors()):
            return False
        if self.brand and self.brand != brand:
            return False
        return True

    @classmethod
    def find(cls, series=None, brand=None):
        "Return the first rule that applies, or None"
        for rule in cls.search([]):
            if rule.match(series, brand):
                return rule

    def get_code(self, date=None):
        if date is None:
            date = Pool().get('ir.date').today()
        date_part = date.strftime(self.date_format or '')
        return f'{self.prefix or ""}{date_part}{self.code_sequence.get()}'


class Template(ApprovalMixin, metaclass=PoolMeta):
    __name__ = 'product.template'
    # a change of these fields needs a new approval
    _approval_fields = {
        'name', 'code', 'type', 'salable', 'list_price', 'default_uom',
        'sale_uom', 'series', 'brand', 'package_type', 'units_per_package',
        'order_multiple', 'order_minimum',
        }
    series = fields.Many2One(
        'crm8.product.series', "Series", ondelete='RESTRICT',
        help="The product type, series or sub-series of the product.")
    product_type = fields.Function(fields.Many2One(
            'crm8.product.series', "Product Type"),
        'get_product_type', searcher='search_product_type')
    brand = fields.Many2One(
        'crm8.product.brand', "Brand", ondelete='RESTRICT')
    approval_state_string = ApprovalMixin.approval_state.translated(
        'approval_state')

    package_type = fields.Selection([
            (None, ""),
            ('box', "Box"),
            ('carton', "Carton"),
            ('bag', "Bag"),
            ('bottle', "Bottle"),
            ('drum', "Drum"),
            ('roll', "Roll"),
            ('pallet', "Pallet"),
            ('set', "Set"),
            ], "Package Type")
    package_type_string = package_type.translated('package_type')
    units_per_package = fields.Float(
        "Units per Package", digits='sale_uom',
        domain=['OR',
            ('units_per_package', '=', None),
            ('units_per_package', '>', 0),
            ],
        help="How many sale units one package holds.")
    order_multiple = fields.Float(
        "Order Multiple", digits='sale_uom',
        domain=['OR',
            ('order_multiple', '=', None),
            ('order_multiple', '>', 0),
            ],
        help="Quotations must order a multiple of this quantity, in the "
        "sale unit; usually the units per package.")
    order_minimum = fields.Float(
        "Minimum Order", digits='sale_uom',
        domain=['OR',
            ('order_minimum', '=', None),
            ('order_minimum', '>', 0),
            ],
        help="Quotations must order at least this quantity, in the sale "
        "unit.")

    @fields.depends('units_per_package', 'order_multiple')
    def on_change_units_per_package(self):
        if self.units_per_package and not self.order_multiple:
            self.order_multiple = self.units_per_package

    def get_product_type(self, name):
        return self.series.product_type if self.series else None

    @classmethod
    def search_product_type(cls, name, clause):
        Series = Pool().get('crm8.product.series')
        _, operator, operand, *extra = clause
        nested = clause[0][len(name) + 1:]
        domain = [('kind', '=', 'type')]
        if operand is None and not nested:
            types = [t.id for t in Series.search(domain)]
            if operator == '=':
                return ['OR',
                    ('series', '=', None),
                    ('series', 'not child_of', types, 'parent'),
                    ]
            return [('series', 'child_of', types, 'parent')]
        if not nested:
            nested = 'rec_name' if isinstance(operand, str) else 'id'
        domain.append((nested, operator, operand, *extra))
        types = [t.id for t in Series.search(domain)]
        return [('series', 'child_of', types, 'parent')]

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        CodeRule = pool.get('crm8.product.code.rule')
        Series = pool.get('crm8.product.series')
        Brand = pool.get('crm8.product.brand')
        if mode == 'create' and not values.get('code'):
            series = values.get('series')
            brand = values.get('brand')
            rule = CodeRule.find(
                Series(series) if series else None,
                Brand(brand) if brand else None)
            if rule:
                # as root: the sequence is shared configuration
                with Transaction().set_user(0):
                    values = values.copy()
                    values['code'] = rule.get_code()
        return super().preprocess_values(mode, values)

    def get_approval_amount(self):
        return self.list_price

    @classmethod
    def on_modification(cls, mode, templates, field_names=None):
        super().on_modification(mode, templates, field_names=field_names)
        if (mode == 'write' and field_names
                and field_names & cls._approval_fields):
            cls.reset_approval(templates)

    @classmethod
    def check_sellable(cls, templates):
        "Raise unless each template is approved or needs no approval"
        Flow = Pool().get('crm8.approval.flow')
        for template in templates:
            if template.approval_state == 'approved':
                continue
            if (template.approval_state in {'pending', 'rejected'}
                    or Flow.find(template)):
                raise ProductApprovalError(gettext(
                        'crm8_product.msg_product_not_approved',
                        product=template.rec_name,
                        state=template.approval_state_string or '-'))
