# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.modules.company.tests import CompanyTestMixin
from crm8.crm8_base.tests.tools import SaoListsMixin, ZhCNCompleteMixin
from trytond.tests.test_tryton import ModuleTestCase


class Crm8SalesTestCase(
        SaoListsMixin, ZhCNCompleteMixin, CompanyTestMixin, ModuleTestCase):
    "Test crm8_sales module"
    module = 'crm8_sales'


del ModuleTestCase
