# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'
    main_supplier = fields.Function(fields.Many2One(
            'party.party', "Main Supplier",
            help="The first supplier of the product's supplier list."),
        'get_main_supplier', searcher='search_main_supplier')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'update_cost_from_purchase': {
                    'invisible': ~Eval('purchasable', False),
                    'depends': ['purchasable'],
                    },
                })

    def get_main_supplier(self, name):
        company = Transaction().context.get('company')
        for product_supplier in self.product_suppliers:
            if not company or product_supplier.company.id == company:
                return product_supplier.party.id

    @classmethod
    def search_main_supplier(cls, name, clause):
        # any supplier of the list, so that "products of supplier X" works
        nested = clause[0][len(name):]
        return [('product_suppliers.party' + nested, *clause[1:])]

    @classmethod
    @ModelView.button
    def update_cost_from_purchase(cls, templates):
        Product = Pool().get('product.product')
        Product.update_cost_from_purchase(
            [p for t in templates for p in t.products])


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def update_cost_from_purchase(cls, products):
        """Set the cost price of the products to their purchase price:
        the main supplier's price for one unit, else the last purchase"""
        # in the product's default unit and the company's currency;
        # upstream matches the supplier list only for a given supplier
        for product in products:
            supplier = product.template.main_supplier
            with Transaction().set_context(
                    uom=None, supplier=supplier.id if supplier else None):
                price = cls.get_purchase_price(
                    [product], quantity=0)[product.id]
            if price is not None and price != product.cost_price:
                product.cost_price = price
                product.save()
