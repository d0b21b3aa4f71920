# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""A rep cannot quote an unapproved product over RPC (PRD-11).

The administrator defines a product approval flow and a new product; 张伟
(sales_rep) puts it on a quotation of his customer and clicks Quote through
JSON-RPC: the server refuses, naming the product, in Chinese.
"""
import pytest

from conftest import RPC, RPCError

CUSTOMER = "杭州云帆电子商务有限公司"  # 张伟's


def session(url, login):
    rpc = RPC(url, 'demo')
    rpc.login(login, login)
    rpc.context = rpc.call('model.res.user.get_preferences', True, {})
    return rpc


def call(rpc, method, *args):
    return rpc.call(method, *args, rpc.context)


@pytest.fixture(scope='module')
def unapproved(demo_server):
    "A product under a product approval flow, never approved"
    admin = session(demo_server, 'admin')
    # group names are searched in English, the language they are defined in
    group, = admin.call('model.res.group.search',
        [('name', '=', 'Product Administration')], 0, 1, None,
        {**admin.context, 'language': 'en'})
    flow, = call(admin, 'model.crm8.approval.flow.create', [{
                'name': "产品审批（测试）",
                'model': 'product.template',
                'company': admin.context['company'],
                'steps': [['create', [{
                                'name': "产品经理审批",
                                'approver': 'group',
                                'group': group,
                                }]]],
                }])
    unit, = call(admin, 'model.product.uom.search',
        [('symbol', '=', 'u')], 0, 1, None)
    template, = call(admin, 'model.product.template.create', [{
                'name': "未审批测试产品",
                'type': 'service',
                'default_uom': unit,
                'sale_uom': unit,
                'salable': True,
                'list_price': '100',
                'products': [['create', [{}]]],
                }])
    product, = call(admin, 'model.product.product.search',
        [('template', '=', template)], 0, 1, None)
    yield product, unit
    # other tests share the demo server: the products must sell again
    call(admin, 'model.crm8.approval.flow.write', [flow], {'active': False})


def test_rep_cannot_quote_unapproved_product(demo_server, unapproved):
    product, unit = unapproved
    rep = session(demo_server, 'sales_rep')
    customer, = call(rep, 'model.party.party.search',
        [('name', '=', CUSTOMER)], 0, 1, None)
    address, = call(rep, 'model.party.address.search',
        [('party', '=', customer)], 0, 1, None)
    sale, = call(rep, 'model.sale.sale.create', [{
                'party': customer,
                'invoice_address': address,
                'shipment_address': address,
                'invoice_method': 'manual',
                'lines': [['create', [{
                                'type': 'line',
                                'product': product,
                                'unit': unit,
                                'quantity': 1,
                                'unit_price': '100',
                                }]]],
                }])
    with pytest.raises(RPCError) as info:
        call(rep, 'model.sale.sale.quote', [sale])
    assert "未审批测试产品" in str(info.value)
    state, = call(rep, 'model.sale.sale.read', [sale], ['state'])
    assert state['state'] == 'draft'
