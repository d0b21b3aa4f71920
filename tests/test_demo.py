# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Smoke test of the demo as its users and integrators meet it."""
import os
import urllib.error
from pathlib import Path

import pytest

from conftest import RPCError

ROLES = ['sales_manager', 'sales_rep', 'sales_rep2', 'marketer', 'cashier']


def test_admin_login_and_chinese_menu(rpc):
    rpc.login('admin', 'admin')
    context = rpc.call('model.res.user.get_preferences', True, {})
    assert context['language'] == 'zh_CN'
    menus = rpc.call('model.ir.ui.menu.search_read',
        [('parent', '=', None)], 0, None, None, ['name'], context)
    names = {m['name'] for m in menus}
    assert {'销售', '客户', '产品'} <= names, names
    assert '客户关系管理' in names


@pytest.mark.parametrize('login', ROLES)
def test_every_role_logs_in_with_its_login_as_password(rpc, login):
    assert rpc.login(login, login) > 0


def test_wrong_password_is_refused(rpc):
    with pytest.raises((RPCError, urllib.error.HTTPError)):
        rpc.login('sales_rep', 'wrong')


def test_brochure_opportunity(rpc):
    rpc.login('sales_rep', 'sales_rep')
    context = rpc.call('model.res.user.get_preferences', True, {})
    opportunities = rpc.call('model.sale.opportunity.search_read',
        [('description', '=', 'MMS 系统采购商机')], 0, None, None,
        ['party.name', 'amount', 'conversion_probability', 'state',
            'employee.party.name', 'currency.code'], context)
    opportunity, = opportunities
    assert opportunity['party.']['name'] == '零件制造有限公司'
    assert float(opportunity['amount']['decimal']) == 1235000
    assert opportunity['conversion_probability'] == 0.99
    assert opportunity['currency.']['code'] == 'CNY'
    assert opportunity['employee.']['party.']['name'] == '张伟'


def test_demo_customers_and_team(rpc):
    rpc.login('sales_manager', 'sales_manager')
    context = rpc.call('model.res.user.get_preferences', True, {})
    customers = rpc.call('model.party.party.search_count',
        [('name', 'like', '%有限公司')], 0, None, context)
    assert customers >= 10
    teams = rpc.call('model.crm8.team.search_read', [], 0, None, None,
        ['name', 'leader.party.name'], context)
    assert '华南销售一组' in {t['name'] for t in teams}


def test_browser_login_shows_chinese_menu(demo_server):
    playwright = pytest.importorskip('playwright.sync_api')
    if not Path('/usr/bin/chromium').exists():
        pytest.fail("Debian chromium is needed: apt-get install chromium")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium',
            args=['--no-sandbox', '--disable-gpu',
                '--disable-background-networking',
                '--disable-component-update', '--disable-sync'])
        page = browser.new_page(locale='zh-CN',
            viewport={'width': 1280, 'height': 800})
        page.goto(demo_server + '/#demo')
        page.wait_for_selector('#login', state='visible', timeout=30000)
        page.fill('#login', 'admin')
        page.keyboard.press('Enter')
        page.wait_for_selector('input[type=password]', state='visible')
        page.fill('input[type=password]', 'admin')
        page.keyboard.press('Enter')
        page.wait_for_selector('text=销售', timeout=60000)
        page.wait_for_timeout(1500)
        if os.environ.get('CRM8_SCREENSHOT'):
            page.screenshot(path=os.environ['CRM8_SCREENSHOT'])
        assert page.locator('text=客户').count() > 0
        browser.close()


def test_errors_speak_chinese(rpc):
    "A bad reminder condition is refused in the user's language"
    rpc.login('admin', 'admin')
    context = rpc.call('model.res.user.get_preferences', True, {})
    model, = rpc.call('model.ir.model.search',
        [('name', '=', 'party.party')], 0, None, None, context)
    with pytest.raises(RPCError) as error:
        rpc.call('model.crm8.reminder.rule.create', [{
                    'name': "客户跟进",
                    'model': model,
                    'domain': "[('no_such_field', '=', 1)]",
                    'subject': "{record}",
                    }], context)
    assert '提醒规则“客户跟进”的条件' in str(error.value), error.value


def test_refusal_of_own_approval_speaks_chinese(rpc):
    "A rep cannot approve the own quotation, and is told so in Chinese"
    rpc.login('admin', 'admin')
    context = rpc.call('model.res.user.get_preferences', True, {})
    rpc.call('model.crm8.approval.flow.create', [{
                'name': "报价审批", 'model': 'sale.sale',
                'steps': [('create', [{
                                'name': "销售经理审批", 'approver': 'user',
                                'user': rpc.user_id}])],
                }], context)
    rpc.login('sales_rep', 'sales_rep')
    context = rpc.call('model.res.user.get_preferences', True, {})
    customer, = rpc.call('model.party.party.search',
        [('name', '=', '零件制造有限公司')], 0, None, None, context)
    product, = rpc.call('model.product.product.search_read',
        [('code', '=', 'MMS-ENT')], 0, None, None, ['default_uom'], context)
    address, = rpc.call('model.party.address.search',
        [('party', '=', customer)], 0, None, None, context)
    sale, = rpc.call('model.sale.sale.create', [{
                'party': customer,
                'invoice_address': address,
                'lines': [('create', [{
                                'product': product['id'], 'quantity': 1,
                                'unit_price': {'__class__': 'Decimal',
                                    'decimal': '980000'},
                                'unit': product['default_uom']}])],
                }], context)
    rpc.call('model.sale.sale.quote', [sale], context)
    with pytest.raises(RPCError) as error:
        rpc.call('model.sale.sale.confirm', [sale], context)
    assert '必须' in str(error.value) and '审批' in str(error.value)
    rpc.call('model.sale.sale.approval_submit', [sale], context)
    request, = rpc.call('model.crm8.approval.request.search',
        [('document', '=', f'sale.sale,{sale}')], 0, None, None, context)
    # the rep made admin the approver, then tries to decide alone
    with pytest.raises(RPCError) as error:
        rpc.call('model.crm8.approval.request.approve', [request], context)
    assert '不能审批' in str(error.value) or '不是' in str(error.value)
