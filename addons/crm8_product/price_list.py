# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

# the price a rule of each kind starts from, and the sign of its rate
RULE_BASES = {
    'cost_plus': ('cost_price', 1),
    'list_minus': ('list_price', -1),
    }


class PriceList(metaclass=PoolMeta):
    __name__ = 'product.price_list'

    def _series_pattern(self, product, pattern):
        pattern = dict(pattern or {})
        if product and product.template.series:
            pattern['series'] = [
                s.id for s in product.template.series.ancestors()]
        return pattern

    def compute(self, product, quantity, uom, pattern=None):
        pattern = self._series_pattern(product, pattern)
        return super().compute(product, quantity, uom, pattern=pattern)

    def matching_line(self, product, quantity, uom, pattern=None):
        "Return the line that compute uses for the product, or None"
        # the pattern is built as in product_price_list's compute
        Uom = Pool().get('product.uom')
        pattern = self._series_pattern(product, pattern)
        if product:
            categories = set()
            for category in product.categories_all:
                while category:
                    categories.add(category.id)
                    category = category.parent
            pattern['categories'] = list(categories)
            pattern['product'] = product.id
            quantity = Uom.compute_qty(
                uom, quantity, self.get_uom(product), round=False)
        pattern['quantity'] = quantity
        for line in self.lines:
            if line.match(pattern):
                return line


class PriceListLine(metaclass=PoolMeta):
    __name__ = 'product.price_list.line'
    series = fields.Many2One(
        'crm8.product.series', "Type or Series", ondelete='CASCADE',
        help="Apply only to products of this type or series and of the "
        "series under it.")
    kind = fields.Selection([
            ('formula', "Formula"),
            ('cost_plus', "Cost plus Margin"),
            ('list_minus', "List minus Discount"),
            ], "Rule Type", required=True, sort=False,
        help="Cost plus margin: the cost price increased by the rate.\n"
        "List minus discount: the list price decreased by the rate.\n"
        "Formula: any formula.")
    kind_string = kind.translated('kind')
    rate = fields.Numeric(
        "Rate (%)", digits=(16, 2),
        states={
            'invisible': Eval('kind') == 'formula',
            'required': Eval('kind') != 'formula',
            },
        help="The margin or the discount, in percent.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.formula.states['readonly'] = Eval('kind') != 'formula'

    @classmethod
    def default_kind(cls):
        return 'formula'

    @fields.depends('kind', 'rate', 'formula')
    def on_change_with_formula(self):
        return self.rule_formula() or self.formula

    def rule_formula(self):
        "Return the formula of a cost-plus or list-minus rule"
        if self.kind in RULE_BASES and self.rate is not None:
            base, sign = RULE_BASES[self.kind]
            factor = 1 + sign * self.rate / 100
            return f'{base} * Decimal("{factor.normalize():f}")'

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        super().on_modification(mode, lines, field_names=field_names)
        # the formula is the single truth of the price, whatever the client
        if mode in {'create', 'write'} and (
                field_names is None or field_names & {'kind', 'rate'}):
            for line in lines:
                formula = line.rule_formula()
                if formula and formula != line.formula:
                    cls.write([line], {'formula': formula})

    def match(self, pattern):
        if 'series' in pattern:
            pattern = pattern.copy()
            series = pattern.pop('series')
            if self.series is not None and self.series.id not in series:
                return False
        elif self.series is not None:
            return False
        return super().match(pattern)

    def get_rec_name(self, name):
        conditions = [c.rec_name for c in [
                self.series, self.category, self.product] if c]
        if self.quantity:
            conditions.append(f'≥ {self.quantity:g}')
        if self.kind in RULE_BASES and self.rate is not None:
            rule = f'{self.kind_string} {self.rate.normalize():f} %'
        else:
            rule = self.formula
        return f'{self.price_list.rec_name}: ' + (
            ', '.join(conditions + [rule]))
