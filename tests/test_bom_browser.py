# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""The BOM Structure tree opens in the web client and unfolds a
sub-assembly into its own components (PRD-13)."""
import json
from urllib.parse import quote

from conftest import RPC, sao_login

WORKSTATION = "MMS 数据采集工作站"
CABINET = "工控柜 (含配电)"
PLC = "PLC 控制模块"


def structure_url(demo_server):
    "The sao address of the BOM Structure of the workstation's BOM"
    rpc = RPC(demo_server, 'demo')
    rpc.login('admin', 'admin')
    context = rpc.call('model.res.user.get_preferences', True, {})
    view, = rpc.call('model.ir.ui.view.search', [
            ('model', '=', 'production.bom.input'),
            ('field_childs', '=', 'components'),
            ], 0, 1, None, context)
    bom, = rpc.call('model.production.bom.search',
        [('name', 'like', f'%{WORKSTATION}%')], 0, 1, None, context)
    params = {
        'views': [view],
        'domain': [['bom', '=', bom]],
        'name': "物料清单结构",
        }
    return 'demo/model/production.bom.input;' + '&'.join(
        f'{k}={quote(json.dumps(v))}' for k, v in params.items())


def test_browser_bom_structure_tree(demo_server, page):
    url = structure_url(demo_server)
    sao_login(page, demo_server, 'admin', 'admin')
    page.get_by_text('客户关系管理', exact=True).first.wait_for(timeout=60000)
    page.evaluate('url => Sao.open_url(url)', url)
    # the workstation's lines: the cabinet (a sub-assembly) ...
    cabinet = page.locator('tr', has_text=CABINET).first
    cabinet.wait_for(timeout=30000)
    assert page.get_by_text(PLC, exact=False).count() == 0
    # ... unfolds into the cabinet's own BOM lines
    cabinet.locator('.expander').first.click()
    page.get_by_text(PLC, exact=False).first.wait_for(timeout=30000)
    assert not page.errors, page.errors
