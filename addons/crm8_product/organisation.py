# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.model import ModelSQL, fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'
    companies = fields.Many2Many(
        'product.template-company.company', 'template', 'company',
        "Companies",
        help="The companies whose catalogue holds the product; empty for "
        "a product of the whole enterprise, seen by every company.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._approval_fields = cls._approval_fields | {'companies'}


class TemplateCompany(ModelSQL):
    __string__ = "Product Template - Company"
    __name__ = 'product.template-company.company'
    template = fields.Many2One(
        'product.template', "Product", required=True, ondelete='CASCADE',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE')
