# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from stdnum.cn import uscc

from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import ValidationError
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    fapiao_title = fields.Char(
        "Fapiao Title",
        help="The buyer's name printed on a fapiao; the party's name if "
        "empty.")
    fapiao_tax_number = fields.Char(
        "Taxpayer Number",
        help="The buyer's unified social credit code (18 characters) "
        "printed on a special VAT fapiao.")
    fapiao_address = fields.Char("Registered Address")
    fapiao_phone = fields.Char("Registered Phone")
    fapiao_bank = fields.Char("Bank")
    fapiao_bank_account = fields.Char("Bank Account")

    @fields.depends('identifiers', 'fapiao_tax_number')
    def on_change_identifiers(self):
        if not self.fapiao_tax_number:
            for identifier in self.identifiers or []:
                if identifier.type == 'cn_uscc' and identifier.code:
                    self.fapiao_tax_number = identifier.code
                    break

    def get_fapiao_title(self):
        return self.fapiao_title or self.name

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('fapiao_tax_number'):
            values['fapiao_tax_number'] = uscc.compact(
                values['fapiao_tax_number'])
        return values

    @classmethod
    def validate_fields(cls, parties, field_names):
        super().validate_fields(parties, field_names)
        if 'fapiao_tax_number' in field_names:
            for party in parties:
                number = party.fapiao_tax_number
                if number and not uscc.is_valid(number):
                    raise ValidationError(gettext(
                            'crm8_l10n_cn.msg_invalid_tax_number',
                            number=number, party=party.rec_name))
