# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""The rep's customer list in the web client: own customers, the lead pool
tab, never another rep's customers."""
import re

from conftest import sao_login

MINE = "杭州云帆电子商务有限公司"
THEIRS = "北京博远信息技术有限公司"
POOLED = "武汉长江汽车配件有限公司"


def test_browser_rep_customer_list_and_pool(demo_server, page):
    sao_login(page, demo_server, 'sales_rep')
    crm = page.get_by_text('客户关系管理', exact=True).first
    crm.wait_for(timeout=60000)
    crm.click()
    # the CRM's entry is the highest on screen, above the parties' menu
    # wait for the CRM's children (沟通 is one of them)
    page.get_by_text('沟通', exact=True).first.wait_for(timeout=60000)
    entries = page.get_by_text('客户', exact=True)
    boxes = [(entries.nth(i).bounding_box(), i)
        for i in range(entries.count())]
    _, top = min((b['y'], i) for b, i in boxes if b)
    entries.nth(top).click(timeout=90000)
    page.wait_for_selector(f'text={MINE}', timeout=30000)
    assert page.get_by_text(THEIRS, exact=True).count() == 0
    # the tab shows its count: "公海 (4)"
    page.get_by_text(re.compile(r'^公海')).first.click()
    page.wait_for_selector(f'text={POOLED}', timeout=30000)
    assert page.get_by_text(MINE, exact=True).count() == 0
    # the form of a pool customer opens with its customer pages
    page.get_by_text(POOLED, exact=True).first.dblclick()
    page.get_by_text('领取', exact=True).first.wait_for(timeout=30000)
    page.get_by_text('360° 视图', exact=False).first.wait_for(
        timeout=30000)
    assert not page.errors, page.errors
