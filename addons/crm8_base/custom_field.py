# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.model import DictSchemaMixin, ModelSQL, ModelView, fields


class CustomField(DictSchemaMixin, ModelSQL, ModelView):
    __string__ = "User-defined Field"
    __name__ = 'crm8.custom.field'
    target = fields.Selection([
            ('party.party', "Customer"),
            ('party.contact_mechanism', "Contact"),
            ('product.template', "Product"),
            ], "Record Type", required=True,
        help="The kind of record that shows this field.")
    sequence = fields.Integer("Sequence")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('sequence', 'ASC NULLS FIRST'))


def custom_fields(target):
    "Return the Dict field of user-defined fields for the target model"
    return fields.Dict(
        'crm8.custom.field', "User-defined Fields",
        domain=[('target', '=', target)],
        help="Fields added by an administrator in "
        "Administration > User-defined Fields.")
