# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta

from .custom_field import custom_fields


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'
    custom_fields = custom_fields('product.template')
