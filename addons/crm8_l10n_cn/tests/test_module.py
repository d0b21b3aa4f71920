# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from crm8.crm8_base.tests.tools import ZhCNCompleteMixin
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.pool import Pool
from trytond.model.exceptions import ValidationError


class Crm8L10nCnTestCase(ZhCNCompleteMixin, ModuleTestCase):
    "Test crm8_l10n_cn module"
    module = 'crm8_l10n_cn'

    @with_transaction()
    def test_fapiao_tax_number(self):
        "The taxpayer number is a unified social credit code"
        Party = Pool().get('party.party')
        party = Party(name="零件制造有限公司",
            fapiao_tax_number='91110000 600037341L')
        party.save()
        self.assertEqual(party.fapiao_tax_number, '91110000600037341L')
        party.fapiao_tax_number = '91110000600037341X'
        with self.assertRaises(ValidationError):
            party.save()

    @with_transaction()
    def test_china_subdivisions(self):
        "China comes with its provinces and prefecture-level cities"
        pool = Pool()
        Country = pool.get('country.country')
        Subdivision = pool.get('country.subdivision')
        china, = Country.search([('code', '=', 'CN')])
        provinces = Subdivision.search([
                ('country', '=', china.id), ('parent', '=', None)])
        self.assertEqual(len(provinces), 34)
        shenzhen, = Subdivision.search([('name', '=', 'Shenzhen')])
        self.assertEqual(shenzhen.parent.code, 'CN-GD')

    @with_transaction()
    def test_amount_in_words(self):
        "RMB uppercase and English amounts"
        from crm8.crm8_base.document import amount_in_words
        self.assertEqual(amount_in_words(1235000, 'zh_CN'), '壹佰贰拾叁万伍仟元整')
        self.assertEqual(amount_in_words('1234.56', 'zh_CN'),
            '壹仟贰佰叁拾肆元伍角陆分')
        self.assertEqual(amount_in_words(1235000, 'en'),
            'one million, two hundred and thirty-five thousand yuan')


del ModuleTestCase
