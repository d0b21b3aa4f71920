# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'
    company = fields.Many2One(
        'company.company', "Company", ondelete='RESTRICT',
        help="The company whose catalogue holds the product; empty for a "
        "product of the whole enterprise, seen by every company.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._approval_fields = cls._approval_fields | {'company'}


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'
    company = fields.Function(fields.Many2One(
            'company.company', "Company"),
        'get_company', searcher='search_company')

    def get_company(self, name):
        return self.template.company

    @classmethod
    def search_company(cls, name, clause):
        return [('template.' + clause[0], *clause[1:])]
