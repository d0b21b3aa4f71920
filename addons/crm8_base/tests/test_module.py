# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.modules.company.tests import CompanyTestMixin
from crm8.crm8_base.tests.tools import SaoListsMixin, ZhCNCompleteMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class Crm8BaseTestCase(
        SaoListsMixin, ZhCNCompleteMixin, CompanyTestMixin, ModuleTestCase):
    "Test crm8_base module"
    module = 'crm8_base'
    extras = ['product', 'sale']

    @with_transaction()
    def test_model_names_cached_whatever_the_active_record(self):
        "The model names of a button or wizard call come from the cache"
        IrModel = Pool().get('ir.model')
        cache = IrModel._get_names_cache
        names = IrModel.get_names()
        misses = cache.miss
        for id_ in range(1, 4):
            with Transaction().set_context(
                    active_model='ir.model', active_id=id_,
                    active_ids=[id_]):
                self.assertEqual(IrModel.get_names(), names)
                self.assertEqual(
                    IrModel.get_name('ir.model'), names['ir.model'])
        self.assertEqual(cache.miss, misses)

    @with_transaction()
    def test_triggers_cached_whatever_the_active_record(self):
        "The triggers of a model are looked up once, not once per record"
        Trigger = Pool().get('ir.trigger')
        cache = Trigger._get_triggers_cache
        Trigger.get_triggers('party.party', 'write')
        misses = cache.miss
        for id_ in range(1, 4):
            with Transaction().set_context(
                    active_model='party.party', active_id=id_):
                self.assertEqual(
                    Trigger.get_triggers('party.party', 'write'), [])
        self.assertEqual(cache.miss, misses)
        with Transaction().set_context(_no_trigger=True):
            self.assertEqual(Trigger.get_triggers('party.party', 'write'), [])


del ModuleTestCase
