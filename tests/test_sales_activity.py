# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""The reps' sales calendar and the MMS opportunity's details in the demo,
over RPC and in the web client (SAL-3 .. SAL-9)."""
import urllib.error

import pytest

from conftest import RPCError, sao_login

MINE = "拜访王采购，讨论商务条款"
THEIRS = "拜访北京博远信息"
OPPORTUNITY = "MMS 系统采购商机"


def _context(rpc, login):
    rpc.login(login, login)
    return rpc.call('model.res.user.get_preferences', True, {})


def test_rep_sees_own_activities_not_another_reps(rpc):
    context = _context(rpc, 'sales_rep')
    activities = rpc.call('model.crm8.sales.activity.search_read',
        [], 0, None, None, ['name', 'state', 'employee.party.name'], context)
    names = {a['name'] for a in activities}
    assert MINE in names
    # 李娜's visit to her own customer is hers alone
    assert THEIRS not in names
    view = rpc.call('model.crm8.sales.activity.fields_view_get',
        None, 'calendar', context)
    assert view['type'] == 'calendar'
    assert {'start', 'end'} <= set(view['fields'])


def test_follow_up_of_a_communication_is_planned(rpc):
    context = _context(rpc, 'sales_rep')
    communications = rpc.call('model.crm8.communication.search_read',
        [('next_activity', '!=', None)], 0, None, None,
        ['next_action', 'next_activity.name', 'opportunity_state'], context)
    communication, = communications
    assert (communication['next_activity.']['name']
        == communication['next_action'])
    assert communication['opportunity_state'] == 'opportunity'


def test_opportunity_details(rpc):
    context = _context(rpc, 'sales_rep')
    opportunity, = rpc.call('model.sale.opportunity.search_read',
        [('description', '=', OPPORTUNITY)], 0, None, None,
        ['competitors', 'influencers', 'members', 'bids', 'expected_profit',
            'margin', 'management_priority', 'department.name'], context)
    assert len(opportunity['competitors']) == 2
    assert len(opportunity['influencers']) == 1
    assert len(opportunity['members']) == 2
    assert opportunity['management_priority'] == 'strategic'
    assert opportunity['department.']['name'] == "销售部"
    assert 0 < opportunity['margin'] < 1
    bid, = rpc.call('model.crm8.sales.bid.read', opportunity['bids'],
        ['bond_state', 'state'], context)
    assert bid['bond_state'] == 'paid'


def test_rep_cannot_set_management_priority(rpc):
    context = _context(rpc, 'sales_rep')
    ids = rpc.call('model.sale.opportunity.search',
        [('description', '=', OPPORTUNITY)], 0, None, None, context)
    with pytest.raises((RPCError, urllib.error.HTTPError)):
        rpc.call('model.sale.opportunity.write', ids,
            {'management_priority': 'low'}, context)


def test_overdue_reminder_in_the_reps_language(rpc):
    context = _context(rpc, 'sales_rep2')
    notifications = rpc.call('model.res.notification.search_read',
        [('model', '=', 'crm8.sales.activity')], 0, None, None,
        ['label'], context)
    labels = {n['label'] for n in notifications}
    assert f"已逾期：{THEIRS} (北京博远信息技术有限公司) 尚未完成" in labels, labels


def test_cashier_has_no_activities(rpc):
    context = _context(rpc, 'cashier')
    with pytest.raises((RPCError, urllib.error.HTTPError)):
        rpc.call('model.crm8.sales.activity.search_read',
            [], 0, None, None, ['name'], context)


def test_browser_sales_calendar_and_activities(demo_server, page):
    sao_login(page, demo_server, 'sales_rep')
    crm = page.get_by_text('客户关系管理', exact=True).first
    crm.wait_for(timeout=60000)
    crm.click()
    page.get_by_text('沟通', exact=True).first.wait_for(timeout=60000)
    # two "销售" entries: Tryton's top menu and the CRM's, indented
    entries = page.locator('text="销售" >> visible=true')
    boxes = [(entries.nth(i).bounding_box(), i)
        for i in range(entries.count())]
    _, child = max((b['x'], i) for b, i in boxes if b)
    entries.nth(child).click()
    page.locator('text="销售日历" >> visible=true').first.click(
        timeout=60000)
    page.wait_for_selector('.fc-view', timeout=60000)
    page.locator('text="活动" >> visible=true').first.click(
        timeout=60000)
    page.wait_for_selector(f'text={MINE}', timeout=60000)
    assert page.get_by_text(THEIRS, exact=True).count() == 0
    # the activity's form opens on the opportunity with its new pages
    page.get_by_text(MINE, exact=True).first.dblclick()
    page.locator('text="结果" >> visible=true').first.wait_for(
        timeout=30000)
    assert not page.errors, page.errors


def test_browser_opportunity_pages(demo_server, rpc, page):
    context = _context(rpc, 'sales_rep')
    opportunity, = rpc.call('model.sale.opportunity.search',
        [('description', '=', OPPORTUNITY)], 0, None, None, context)
    sao_login(page, demo_server, 'sales_rep')
    page.get_by_text('客户关系管理', exact=True).first.wait_for(
        timeout=60000)
    page.goto(demo_server
        + f'/#demo/model/sale.opportunity/{opportunity}')
    for tab in ['竞争', '预算与利润', '团队销售', '投标']:
        page.locator(f'text="{tab}" >> visible=true').first.click(
            timeout=60000)
    page.wait_for_selector('text=零件制造 MMS 系统采购项目',
        timeout=30000)
    assert not page.errors, page.errors
