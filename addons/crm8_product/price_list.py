# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta


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
        return f'{self.price_list.rec_name}: ' + (
            ', '.join(conditions + [self.formula]))
