# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import math
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.modules.product import price_digits
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If

from .exceptions import PackagingError

# tolerance of the float quantities when checking a multiple
EPSILON = 1e-6


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'
    suggested_products = fields.Function(fields.Many2Many(
            'product.product', None, None, "Suggested Products",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'},
            help="Up-sell and cross-sell suggestions of the products of "
            "the lines that are not on the sale yet."),
        'get_suggested_products')

    def get_suggested_products(self, name):
        on_sale = {l.product for l in self.line_lines if l.product}
        products = []
        for line in self.line_lines:
            if not line.product:
                continue
            template = line.product.template
            for kind in ['up', 'cross']:
                for product in template.suggested_products(kind):
                    if product not in on_sale and product not in products:
                        products.append(product)
        return [p.id for p in products]

    def check_for_quotation(self):
        super().check_for_quotation()
        self.check_products_approved()
        for line in self.line_lines:
            line.check_packaging()

    def check_products_approved(self):
        Template = Pool().get('product.template')
        Template.check_sellable(list({
                    l.product.template for l in self.line_lines
                    if l.product}))

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, sales):
        # a product may have been changed since the quotation
        for sale in sales:
            sale.check_products_approved()
        super().confirm(sales)


class Line(metaclass=PoolMeta):
    __name__ = 'sale.line'
    up_sells = fields.Function(fields.Many2Many(
            'product.product', None, None, "Up-sell",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'},
            help="Better or larger products to offer instead."),
        'on_change_with_up_sells')
    cross_sells = fields.Function(fields.Many2Many(
            'product.product', None, None, "Cross-sell",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'},
            help="Complementary products to offer with this one."),
        'on_change_with_cross_sells')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # a company sells only from its catalogue (PRD-3): the record
        # rules let a user of several companies see them all
        cls.product.domain.append(
            If(Eval('sale_state').in_(['draft', 'quotation']),
                ['OR',
                    ('template.companies', '=', None),
                    ('template.companies', '=', Eval('company', -1)),
                    ],
                ()))

    # stored, not computed: the rule that priced the line stays shown when
    # the rule or the cost changes later, and a price typed by hand shows
    # no rule
    price_rule = fields.Many2One(
        'product.price_list.line', "Price Rule", readonly=True,
        ondelete='SET NULL',
        help="The line of the sale's price list that gave the unit price; "
        "empty when the price was typed by hand.")

    @fields.depends(
        'product', 'quantity', 'unit', 'sale', '_parent_sale.price_list')
    def _matching_price_rule(self):
        price_list = getattr(self.sale, 'price_list', None)
        if not (self.product and price_list):
            return None
        uom = self.unit
        if not uom or uom.category != self.product.sale_uom.category:
            uom = self.product.sale_uom
        return price_list.matching_line(
            self.product, abs(self.quantity or 0), uom)

    # the upstream on_changes that set the unit price from the price list
    @fields.depends(methods=['_matching_price_rule'])
    def on_change_product(self):
        super().on_change_product()
        self.price_rule = self._matching_price_rule()

    @fields.depends(methods=['_matching_price_rule'])
    def on_change_quantity(self):
        super().on_change_quantity()
        self.price_rule = self._matching_price_rule()

    @fields.depends('price_rule')
    def on_change_unit_price(self):
        self.price_rule = None

    def compute_fields(self, field_names=None):
        # on the server too: a line created over RPC without on_change or
        # with a price of its own gets the right explanation
        values = super().compute_fields(field_names=field_names)
        if (field_names is None
                or {'product', 'quantity', 'unit', 'unit_price'}
                & set(field_names)):
            rule = None
            if self.type == 'line' and self.unit_price is not None:
                rule = self._matching_price_rule()
                price = self.compute_unit_price() if rule else None
                exp = Decimal(1).scaleb(-price_digits[1])
                if (price is None
                        or price.quantize(exp) != self.unit_price.quantize(
                            exp)):
                    rule = None
            if rule != self.price_rule:
                values['price_rule'] = rule.id if rule else None
        return values

    @fields.depends('product')
    def on_change_with_up_sells(self, name=None):
        if self.product:
            return self.product.template.suggested_products('up')
        return []

    @fields.depends('product')
    def on_change_with_cross_sells(self, name=None):
        if self.product:
            return self.product.template.suggested_products('cross')
        return []

    def _packaging_quantity(self):
        "Return the quantity in the product's sale unit"
        Uom = Pool().get('product.uom')
        template = self.product.template
        return Uom.compute_qty(
            self.unit, self.quantity, template.sale_uom, round=False)

    def check_packaging(self):
        "Raise if the quantity breaks the product's minimum or multiple"
        Lang = Pool().get('ir.lang')
        if not self.product or not self.quantity or self.quantity < 0:
            return
        template = self.product.template
        if not (template.order_minimum or template.order_multiple):
            return
        lang = Lang.get()
        unit = template.sale_uom
        quantity = self._packaging_quantity()

        def format(value):
            return lang.format_number(value, unit.digits)

        if (template.order_minimum
                and quantity < template.order_minimum - EPSILON):
            raise PackagingError(gettext(
                    'crm8_product.msg_sale_line_below_minimum',
                    product=self.product.rec_name,
                    quantity=format(quantity),
                    minimum=format(template.order_minimum),
                    unit=unit.rec_name))
        multiple = template.order_multiple
        if multiple:
            packages = quantity / multiple
            if abs(packages - round(packages)) > EPSILON:
                raise PackagingError(gettext(
                        'crm8_product.msg_sale_line_not_multiple',
                        product=self.product.rec_name,
                        quantity=format(quantity),
                        multiple=format(multiple),
                        unit=unit.rec_name,
                        suggestion=format(math.ceil(packages) * multiple)))
