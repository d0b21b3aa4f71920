# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields, sequence_ordered
from trytond.pool import PoolMeta
from trytond.pyson import Eval

from .exceptions import RelationError


class Relation(sequence_ordered(), ModelSQL, ModelView):
    __string__ = "Product Sales Relation"
    __name__ = 'crm8.product.relation'
    template = fields.Many2One(
        'product.template', "Product", required=True, ondelete='CASCADE')
    related = fields.Many2One(
        'product.template', "Suggested Product", required=True,
        ondelete='CASCADE',
        domain=[
            ('salable', '=', True),
            ('id', '!=', Eval('template', -1)),
            ])
    kind = fields.Selection([
            ('up', "Up-sell"),
            ('cross', "Cross-sell"),
            ], "Kind", required=True, sort=False,
        help="Up-sell: a better or larger product to offer instead.\n"
        "Cross-sell: a complementary product to offer with it.")
    kind_string = kind.translated('kind')
    selling_point = fields.Char(
        "Selling Point", translate=True,
        help="Why to suggest it, shown to the sales rep.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('template')
        t = cls.__table__()
        cls._sql_constraints += [
            ('template_related_kind_unique',
                Unique(t, t.template, t.related, t.kind),
                'crm8_product.msg_relation_unique'),
            ]

    @classmethod
    def default_kind(cls):
        return 'cross'

    @classmethod
    def validate_fields(cls, relations, field_names):
        super().validate_fields(relations, field_names)
        if field_names and not (field_names & {'template', 'related'}):
            return
        for relation in relations:
            if relation.template == relation.related:
                raise RelationError(gettext(
                        'crm8_product.msg_relation_itself',
                        product=relation.template.rec_name))


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'
    sale_relations = fields.One2Many(
        'crm8.product.relation', 'template', "Up-sell and Cross-sell",
        help="Products the sales reps are invited to offer with this one.")

    def suggested_products(self, kind):
        "Return the salable variants suggested for kind, in order"
        products = []
        for relation in self.sale_relations:
            if relation.kind != kind or not relation.related.salable:
                continue
            for product in relation.related.products:
                if product.active and product not in products:
                    products.append(product)
        return products
