# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""The pipeline board (crm8_sales): a rep logs in on the board, sees only
their own cards, drags one to the next stage; the opportunity's stage and
confidence changed on the server, with the rep's own rights."""

from conftest import sao_login

MINE = "MMS 年度维护续约"  # sales_rep's, in 方案报价
THEIRS = "西安秦川重工集团"  # sales_rep2's


def test_board_rep_drags_card_to_next_stage(demo_server, rpc, page):
    page.set_viewport_size({'width': 1600, 'height': 900})
    page.goto(demo_server + '/demo/crm8/pipeline')
    page.wait_for_selector('#login', state='visible', timeout=30000)
    assert page.title() == "销售管道看板"
    page.fill('#login', 'sales_rep')
    page.fill('#password', 'sales_rep')
    page.click('#sign-in')
    card = page.locator('.card', has_text=MINE).first
    card.wait_for(timeout=30000)
    assert not page.locator('#login-form').is_visible()
    assert page.locator('.card', has_text=THEIRS).count() == 0
    # the rep's cards only: the MMS opportunity is in negotiation
    negotiation = page.locator('.column', has_text="商务谈判")
    assert negotiation.locator(
        '.card', has_text="零件制造有限公司").count() == 1
    opportunity_id = int(card.get_attribute('data-id'))
    stage_name = page.locator(
        f'.column:has(.card[data-id="{opportunity_id}"]) h2').inner_text()
    assert stage_name.startswith("方案报价")
    card.drag_to(negotiation)
    page.wait_for_selector(
        f'.column:has-text("商务谈判") .card[data-id="{opportunity_id}"]',
        timeout=30000)
    assert "商机已移到新阶段" in page.locator('#status').inner_text()
    # keyboard fallback: the button moves it back
    page.locator(f'.card[data-id="{opportunity_id}"] button.previous'
        ).click()
    page.wait_for_selector(
        f'.column:has-text("方案报价") .card[data-id="{opportunity_id}"]',
        timeout=30000)
    page.locator(f'.card[data-id="{opportunity_id}"]').drag_to(
        negotiation)
    page.wait_for_selector(
        f'.column:has-text("商务谈判") .card[data-id="{opportunity_id}"]',
        timeout=30000)
    page.screenshot(path='/tmp/crm8_pipeline_board.png')
    assert not page.errors, page.errors

    rpc.login('sales_rep', 'sales_rep')
    preferences = rpc.call('model.res.user.get_preferences', True, {})
    stages = rpc.call('model.crm8.sales.stage.search_read',
        [('name', '=', "商务谈判")], 0, None, None, ['confidence'],
        preferences)
    opportunity, = rpc.call('model.sale.opportunity.read', [opportunity_id],
        ['stage', 'conversion_probability', 'state', 'stage_history'],
        preferences)
    assert opportunity['stage'] == stages[0]['id']
    assert opportunity['conversion_probability'] == stages[0]['confidence']
    assert opportunity['state'] == 'converted'
    assert len(opportunity['stage_history']) >= 4
    # the rep's session cannot reach the other rep's opportunities
    assert not rpc.call('model.sale.opportunity.search',
        [('party.name', '=', THEIRS)], 0, None, None, preferences)
    assert rpc.call('model.sale.opportunity.search',
        [('description', '=', "产线数字化改造")], 0, None, None,
        preferences) == []


def test_board_redirects_to_the_web_client_database(demo_server):
    import urllib.request
    with urllib.request.urlopen(demo_server + '/crm8/pipeline') as response:
        assert b'sao_session_' in response.read()


def test_rep_login_opens_my_opportunities(demo_server, page):
    "DASH-2: the first thing a rep sees is their open opportunities"
    sao_login(page, demo_server, 'sales_rep')
    page.locator('text="我的商机" >> visible=true').first.wait_for(
        timeout=60000)
    page.locator('text="MMS 系统采购商机" >> visible=true').first.wait_for(
        timeout=60000)
    assert page.locator(
        'text="产线数字化改造" >> visible=true').count() == 0
