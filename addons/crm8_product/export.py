# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Excel and PDF exports of the catalogue and of the price lists."""
from trytond.pool import Pool
from trytond.transaction import Transaction

from crm8.crm8_base.document import ExcelReport, HTMLReport

CATALOGUE_COLUMNS = ['code', 'name', 'product_type', 'series', 'brand',
    'default_uom', 'list_price', 'package_type', 'units_per_package']
PRICE_COLUMNS = ['code', 'name', 'series', 'default_uom', 'list_price']


def _company_name():
    company = Transaction().context.get('company')
    return Pool().get('company.company')(company).rec_name if company else ''


def _labels(model, columns):
    "The field labels in the user's language"
    fields = Pool().get(model).fields_get(columns)
    return [fields[c]['string'] for c in columns]


def _catalogue_rows(templates):
    for template in templates:
        yield [
            template.code or '', template.name,
            template.product_type.rec_name if template.product_type else '',
            template.series.rec_name if template.series else '',
            template.brand.rec_name if template.brand else '',
            template.default_uom.rec_name,
            template.list_price,
            template.package_type_string or '',
            template.units_per_package,
            ]


def _price_rows(price_list):
    "Each salable product: list price, price of the list, rule applied"
    Product = Pool().get('product.product')
    for product in Product.search(
            [('salable', '=', True)], order=[('code', 'ASC')]):
        uom = product.sale_uom or product.default_uom
        price = price_list.compute(product, 1, uom)
        line = price_list.matching_line(product, 1, uom)
        yield [
            product.code or '', product.name,
            product.series.rec_name if product.series else '',
            uom.rec_name, product.template.list_price, price,
            line.rec_name if line else '',
            ]


def _price_headers():
    return (_labels('product.template', PRICE_COLUMNS)
        + _labels('sale.line', ['unit_price', 'price_rule']))


class CatalogueExcel(ExcelReport):
    __string__ = "Catalogue (Excel)"
    __name__ = 'crm8.product.catalogue.excel'

    @classmethod
    def sheets(cls, templates, data):
        return [(
                cls.__string__,
                _labels('product.template', CATALOGUE_COLUMNS),
                list(_catalogue_rows(templates)))]


class PriceListExcel(ExcelReport):
    __string__ = "Price List (Excel)"
    __name__ = 'crm8.product.price_list.excel'

    @classmethod
    def sheets(cls, price_lists, data):
        return [(p.name, _price_headers(), list(_price_rows(p)))
            for p in price_lists]


class CataloguePDF(HTMLReport):
    __string__ = "Catalogue (PDF)"
    __name__ = 'crm8.product.catalogue.pdf'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['headers'] = _labels('product.template', CATALOGUE_COLUMNS)
        context['title'] = _company_name()
        context['rows'] = list(_catalogue_rows(records))
        return context


class PriceListPDF(HTMLReport):
    __string__ = "Price List (PDF)"
    __name__ = 'crm8.product.price_list.pdf'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['headers'] = _price_headers()
        context['tables'] = [(p.name, list(_price_rows(p)))
            for p in records]
        return context
