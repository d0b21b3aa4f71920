# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
try:
    import phonenumbers
except ImportError:
    phonenumbers = None

from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from .custom_field import custom_fields
from .document import ExcelReport
from .score import ScoredMixin


class Party(ScoredMixin, metaclass=PoolMeta):
    __name__ = 'party.party'
    custom_fields = custom_fields('party.party')


class ContactMechanism(metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'
    custom_fields = custom_fields('party.contact_mechanism')

    @fields.depends(methods=['_phone_country_codes'])
    def _parse_phonenumber(self, value):
        # An international number ignores the country: skip looking up the
        # party's and the company's addresses (three times per phone saved,
        # most of the time of an import).
        if phonenumbers and value and value.lstrip().startswith('+'):
            try:
                number = phonenumbers.parse(value)
            except phonenumbers.NumberParseException:
                return None
            return number if phonenumbers.is_valid_number(number) else None
        return super()._parse_phonenumber(value)


class PartyExcel(ExcelReport):
    __string__ = "Customers (Excel)"
    __name__ = 'crm8.party.excel'

    @classmethod
    def sheets(cls, parties, data):
        pool = Pool()
        Party = pool.get('party.party')
        CustomField = pool.get('crm8.custom.field')
        extra = CustomField.search([('target', '=', 'party.party')])
        columns = ['code', 'name', 'tax_identifier', 'phone', 'email',
            'addresses', 'score']
        labels = Party.fields_get(columns)
        headers = [labels[c]['string'] for c in columns] + [
            f.string for f in extra]
        rows = []
        for party in parties:
            address = (
                party.addresses[0].full_address if party.addresses else '')
            rows.append([
                    party.code, party.name,
                    party.tax_identifier.code if party.tax_identifier else '',
                    party.phone or '', party.email or '',
                    address.replace('\n', ' '), party.score]
                + [(party.custom_fields or {}).get(f.name) for f in extra])
        Model = pool.get('ir.model')
        title, = Model.search([('name', '=', 'party.party')])
        return [(title.string, headers, rows)]
