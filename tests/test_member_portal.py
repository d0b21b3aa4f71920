# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""The member self-service portal (crm8_membership, MEM-9, INT-3) in a real
browser: sign-up, login, balance, history, redemption, password reset by
email; and the refusals: another member's data, POST without or with a wrong
CSRF token, a stale session, the 6th wrong password.

The portal runs on its own server over a copy of the demo database, so that
it can send email to an SMTP server of the test (aiosmtpd) and have a short
session timeout; the members it needs are made over RPC as admin.
"""
import datetime as dt
import os
import re
import sqlite3
import subprocess
import time
import urllib.request
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from conftest import BIN, RPC, free_port

SESSION_TIMEOUT = 15  # seconds, the portal server's [session] web_timeout
PASSWORD = 'Lotus-tea-2026'


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(
                envelope.content, policy=policy.default))
        return '250 OK'


@pytest.fixture(scope='module')
def inbox():
    from aiosmtpd.controller import Controller
    inbox = Inbox()
    controller = Controller(inbox, hostname='127.0.0.1', port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture(scope='module')
def portal(request, tmp_path_factory, inbox):
    "A server of its own on a copy of the demo database"
    # CRM8_DEMO_SQLITE names a demo database made before, to skip its build
    source = os.environ.get('CRM8_DEMO_SQLITE')
    if not source:
        request.getfixturevalue('demo_server')
        source, = Path(tmp_path_factory.getbasetemp()).glob(
            'demo[0-9]*/demo.sqlite')
    directory = tmp_path_factory.mktemp('portal')
    with sqlite3.connect(source) as src, \
            sqlite3.connect(directory / 'demo.sqlite') as dst:
        src.backup(dst)
    port = free_port()
    env = dict(os.environ,
        CRM8_SMTP=f'smtp://127.0.0.1:{inbox.port}',
        TRYTOND_SESSION__WEB_TIMEOUT=str(SESSION_TIMEOUT))
    server = subprocess.Popen(
        [BIN / 'crm8', 'serve', '--database',
            f'sqlite:///{directory}/demo.sqlite', '--port', str(port)],
        cwd=Path(__file__).parent.parent, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f'http://127.0.0.1:{port}'
    for _ in range(60):
        try:
            urllib.request.urlopen(url + '/', timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    yield url
    server.terminate()
    server.wait(10)


@pytest.fixture(scope='module')
def data(portal):
    "Two members of a programme, rewards, and the admin's RPC"
    rpc = RPC(portal, 'demo')
    rpc.login('admin', 'admin')
    context = rpc.call('model.res.user.get_preferences', True, {})
    english = dict(context, language='en')
    # the company's "today" on another date than UTC's, whatever the hour
    # of the run: the portal must count dates as the tills do, in the
    # company's timezone (it once used UTC's and failed after 16:00 UTC)
    timezone = ('Pacific/Kiritimati' if dt.datetime.utcnow().hour >= 10
        else 'Etc/GMT+12')  # UTC+14, UTC-12
    rpc.call('model.company.company.write', [context['company']],
        {'timezone': timezone}, context)

    def create(model, values):
        return rpc.call(f'model.{model}.create', [values], context)[0]

    seq_type, = rpc.call('model.ir.sequence.type.search',
        [('name', '=', 'Member Number')], 0, None, None, english)
    sequence = create('ir.sequence', {
            'name': "门户会员号", 'sequence_type': seq_type,
            'prefix': 'P', 'padding': 5})
    programme = create('crm8.member.programme', {
            'name': "门户测试会员计划", 'number_sequence': sequence,
            'tier_measure': 'points',
            'member_types': [('create', [
                        {'name': "银卡", 'sequence': 10,
                            'tier_threshold': '0'},
                        {'name': "金卡", 'sequence': 20,
                            'tier_threshold': '3000'}])]})
    silver, gold = rpc.call('model.crm8.member.type.search',
        [('programme', '=', programme)], 0, None, [('sequence', 'ASC')],
        context)

    parties = {}

    def member(name, type_, card, mobile, email, points):
        party = create('party.party', {'name': name})
        member_id = create('crm8.member', {
                'programme': programme, 'party': party, 'type': type_,
                'mobile': mobile, 'email': email,
                'cards': [('create', [{'number': card}])]})
        create('crm8.member.points.line', {
                'member': member_id, 'kind': 'earn', 'points': points,
                'description': f"开卡礼 {name}"})
        parties[member_id] = party
        return member_id

    wang = member("王芳", silver, 'PC0001', '13800000001',
        'wang.portaltest@example.com', 1000)
    li = member("李强", gold, 'PC0002', '13900000002',
        'li.portaltest@example.com', 5000)
    zhao = member("赵磊", silver, 'PC0003', '13700000003',
        'zhao.portaltest@example.com', 300)
    promotion = create('sale.promotion', {
            'name': "会员九折券", 'formula': '0.9 * unit_price',
            'coupons': [('create', [{'number_of_use': 1}])]})
    coupon, = rpc.call('model.sale.promotion.coupon.search',
        [('promotion', '=', promotion)], 0, None, None, context)

    def reward(values):
        reward_id = create('crm8.member.reward', dict(
                values, programme=programme))
        return rpc.call('model.crm8.member.reward.read', [reward_id],
            ['code'], context)[0]['code']

    rewards = {
        'coupon': reward({'name': "九折券", 'kind': 'coupon',
                'points_cost': 200, 'coupon': coupon, 'coupon_days': 30}),
        'gold': reward({'name': "金卡50元抵用", 'kind': 'discount',
                'points_cost': 500, 'discount_amount': '50',
                'member_types': [('add', [gold])]}),
        }
    purchases = {
        # 王芳: two pots of tea at the demo's till, a gift box ordered
        'wang': [till_sale(rpc, context, wang, 'TEA-LJ', 2),
            order(rpc, context, parties[wang], 'TEA-GIFT', 1)],
        'li': [till_sale(rpc, context, li, 'TEA-POT', 3),
            order(rpc, context, parties[li], 'TEA-PE', 5)],
        }
    return {
        'rpc': rpc, 'context': context, 'wang': wang, 'li': li, 'zhao': zhao,
        'rewards': rewards, 'programme': programme, 'purchases': purchases}


def decimal(value):
    return {'__class__': 'Decimal', 'decimal': str(value)}


def product(rpc, context, code):
    "The demo goods of that code, with its price"
    product, = rpc.call('model.product.product.search_read',
        [('code', '=', code)], 0, None, None,
        ['template.list_price', 'default_uom'], context)
    return product, Decimal(
        product['template.']['list_price']['decimal']).quantize(
        Decimal('0.01'))


def till_sale(rpc, context, member, code, quantity):
    "A sale paid in cash at the demo's till: done"
    point, = rpc.call('model.sale.point.search',
        [('name', '=', "华信生活馆")], 0, None, None, context)
    cash, = rpc.call('model.sale.point.payment.method.search',
        [('cash', '=', True)], 0, None, None, context)
    goods, price = product(rpc, context, code)
    sale, = rpc.call('model.sale.point.sale.create', [{
                'point': point, 'member': member,
                'lines': [('create', [{
                                'product': goods['id'], 'quantity': quantity,
                                'unit_list_price': decimal(price),
                                'unit_gross_price': decimal(price)}])]}],
        context)
    rpc.call('model.sale.point.payment.create', [{
                'sale': sale, 'method': cash,
                'amount': decimal(price * quantity)}], context)
    rpc.call('model.sale.point.sale.process', [sale], context)
    sale, = rpc.call('model.sale.point.sale.read', [sale],
        ['number', 'state'], context)
    assert sale['state'] == 'done'
    return sale['number'], f'{price * quantity:.2f}'


def order(rpc, context, party, code, quantity):
    "A confirmed sale order of party"
    goods, price = product(rpc, context, code)
    address, = rpc.call('model.party.address.create', [{'party': party}],
        context)
    sale, = rpc.call('model.sale.sale.create', [{
                'party': party, 'invoice_address': address,
                'shipment_address': address,
                'lines': [('create', [{
                                'product': goods['id'], 'quantity': quantity,
                                'unit': goods['default_uom'],
                                'unit_price': decimal(price)}])]}],
        context)
    rpc.call('model.sale.sale.quote', [sale], context)
    rpc.call('model.sale.sale.confirm', [sale], context)
    sale, = rpc.call('model.sale.sale.read', [sale], ['number', 'state'],
        context)
    assert sale['state'] in {'confirmed', 'processing', 'done'}
    return sale['number'], f'{price * quantity:.2f}'


def balance(data, member):
    rpc = data['rpc']
    return rpc.call('model.crm8.member.read', [member], ['points_balance'],
        data['context'])[0]['points_balance']


def new_page(browser):
    "A phone-sized page of its own (cookies) in conftest's shared browser"
    context = browser.new_context(locale='zh-CN',
        viewport={'width': 390, 'height': 844})  # a phone
    page = context.new_page()
    page.errors = []
    page.on('pageerror', lambda e: page.errors.append(str(e)))
    return page


def sign_up(page, portal, card, contact, email=''):
    page.goto(portal + '/demo/member/signup')
    page.fill('#card', card)
    page.fill('#contact', contact)
    if email:
        page.fill('#email', email)
    page.fill('#password', PASSWORD)
    page.click('#sign-up')


def sign_in(page, portal, email, password=PASSWORD):
    page.goto(portal + '/demo/member/login')
    page.fill('#email', email)
    page.fill('#password', password)
    page.click('#sign-in')


def csrf(page):
    return page.locator('input[name=csrf_token]').first.get_attribute(
        'value')


def test_member_signs_up_sees_points_and_redeems(portal, data, browser):
    page = new_page(browser)
    page.goto(portal + '/demo/member/')
    # not signed in: the login page, in Chinese
    assert page.url.endswith('/demo/member/login')
    assert "会员自助服务" in page.title()
    # a card with somebody else's mobile is refused
    sign_up(page, portal, 'PC0001', '13900000002')
    assert "卡号与会员的手机或邮箱不符" in page.locator('#error').inner_text()
    sign_up(page, portal, 'PC0001', '13800000001',
        'wang.portaltest@example.com')
    page.wait_for_selector('#balance')
    assert page.locator('#balance').inner_text() == '1000'
    assert page.locator('#tier').inner_text() == "银卡"
    # progress to the next member type, on the points earned
    assert page.locator('#progress').inner_text().startswith(
        "升级到金卡：1000 / 3000")
    account, = data['rpc'].call('model.web.user.search_read',
        [('email', '=', 'wang.portaltest@example.com')], 0, None, None,
        ['party.name'], data['context'])
    assert account['party.']['name'] == "王芳"
    # a second account for the same member is refused
    other = new_page(browser)
    sign_up(other, portal, 'PC0001', 'wang.portaltest@example.com')
    assert "已有账户" in other.locator('#error').inner_text()

    # the cookies are HttpOnly and SameSite=Strict
    cookie, = [c for c in page.context.cookies()
        if c['name'] == 'crm8_member']
    assert cookie['httpOnly'] and cookie['sameSite'] == 'Strict'

    page.click('#nav-history')
    lines = page.locator('tr.line')
    assert lines.count() == 1
    assert "开卡礼 王芳" in lines.first.inner_text()

    page.click('#nav-rewards')
    assert page.locator('.reward').count() == 1  # not the gold reward
    page.locator('.reward', has_text="九折券").locator('button').click()
    page.wait_for_selector('#coupon-number')
    number = page.locator('#coupon-number').inner_text()
    assert re.fullmatch(r'[A-Z2-9]{10}', number)
    assert page.locator('#balance').inner_text() == '800'
    assert balance(data, data['wang']) == 800
    rpc = data['rpc']
    redemption, = rpc.call('model.crm8.member.redemption.search_read',
        [('member', '=', data['wang'])], 0, None, None,
        ['state', 'points', 'coupon_number.number'], data['context'])
    assert redemption['state'] == 'done' and redemption['points'] == 200
    assert redemption['coupon_number.']['number'] == number

    page.click('#nav-history')
    assert page.locator('tr.line').count() == 2
    page.click('#nav-rewards')
    assert number in page.locator('#redemptions').inner_text()
    page.click('#nav-purchases')
    assert page.locator('#purchases').is_visible()

    # English on request, and it stays
    page.click('#language')
    assert page.locator('header h1').inner_text() == "Member Self-Service"
    page.click('#nav-home')
    assert page.locator('header h1').inner_text() == "Member Self-Service"
    page.click('#language')
    assert page.locator('header h1').inner_text() == "会员自助服务"

    page.click('#sign-out')
    assert page.url.endswith('/demo/member/login')
    page.goto(portal + '/demo/member/history')
    assert page.url.endswith('/demo/member/login')
    page.screenshot(path='/tmp/crm8_member_portal.png')
    assert not page.errors, page.errors


def test_member_sees_own_purchases(portal, data, browser):
    "The paid till sale and the confirmed order, not another member's"
    page = new_page(browser)
    sign_in(page, portal, 'wang.portaltest@example.com')
    page.wait_for_selector('#balance')
    page.click('#nav-purchases')
    # number, shop and amount of each row; orders have short numbers:
    # compared cell by cell
    rows = [row.locator('td').all_inner_texts()[1:4]
        for row in page.locator('#purchases tr.purchase').all()]
    (till, till_amount), (order, order_amount) = data['purchases']['wang']
    assert sorted(rows) == sorted([
            [till, "华信生活馆", till_amount],
            [order, "订单", order_amount]]), rows
    for number, amount in data['purchases']['li']:
        assert all(number != r[0] and amount != r[2] for r in rows)
    assert not page.errors, page.errors


def test_member_sees_only_own_data(portal, data, browser):
    page = new_page(browser)
    sign_up(page, portal, 'PC0003', '13700000003',
        'zhao.portaltest@example.com')
    page.wait_for_selector('#balance')
    assert page.locator('#balance').inner_text() == '300'
    request = page.context.request
    li, wang = data['li'], data['wang']
    # ids of other members put in URLs and forms are ignored
    for path in [f'history?member={li}', f'history?id={li}',
            f'?member={wang}', f'purchases?party={li}']:
        response = request.get(f'{portal}/demo/member/{path}')
        text = response.text()
        assert response.status == 200
        assert "李强" not in text and "王芳" not in text
    history = request.get(f'{portal}/demo/member/history?member={li}').text()
    assert "开卡礼 赵磊" in history and "5000" not in history

    page.goto(portal + '/demo/member/rewards')
    token = csrf(page)
    # the gold reward of 李强's type: refused to 赵磊 even when naming 李强
    response = request.post(
        f"{portal}/demo/member/rewards/{data['rewards']['gold']}/redeem",
        form={'csrf_token': token, 'member': str(li)})
    assert response.status == 400
    assert "不向" in response.text() or "不提供" in response.text()
    # a database id instead of the code, and an unknown code
    for code in ['1', str(li), 'NOTACODE']:
        response = request.post(
            f"{portal}/demo/member/rewards/{code}/redeem",
            form={'csrf_token': token})
        assert response.status == 404
    # the reward of another programme is unknown here
    assert balance(data, li) == 5000
    assert balance(data, data['zhao']) == 300

    # insufficient points: 赵磊 redeems one coupon (300 -> 100), not two
    response = request.post(
        f"{portal}/demo/member/rewards/{data['rewards']['coupon']}/redeem",
        form={'csrf_token': token})
    assert response.status == 200 and 'coupon-number' in response.text()
    response = request.post(
        f"{portal}/demo/member/rewards/{data['rewards']['coupon']}/redeem",
        form={'csrf_token': token})
    assert response.status == 400
    assert balance(data, data['zhao']) == 100
    # nothing of the refused redemption stayed
    rpc = data['rpc']
    assert rpc.call('model.crm8.member.redemption.search_count',
        [('member', '=', data['zhao'])], 0, None, data['context']) == 1


def test_post_without_or_with_wrong_csrf_token_is_refused(
        portal, data, browser):
    page = new_page(browser)
    sign_up(page, portal, 'PC0002', 'li.portaltest@example.com')
    page.wait_for_selector('#balance')
    page.goto(portal + '/demo/member/rewards')
    token = csrf(page)
    url = f"{portal}/demo/member/rewards/{data['rewards']['gold']}/redeem"
    request = page.context.request
    assert request.post(url, form={}).status == 403
    assert request.post(url, form={'csrf_token': 'x' * 64}).status == 403
    # the token of another browser's session
    other = new_page(browser)
    sign_in(other, portal, 'wang.portaltest@example.com')
    other.goto(portal + '/demo/member/rewards')
    assert request.post(url, form={'csrf_token': csrf(other)}).status == 403
    # sign-out without a token does not end the session
    assert request.post(
        f'{portal}/demo/member/logout', form={}).status == 403
    assert balance(data, data['li']) == 5000
    # the right token works
    response = request.post(url, form={'csrf_token': token})
    assert response.status == 200
    assert balance(data, data['li']) == 4500
    # the anonymous forms need their token too
    anonymous = new_page(browser)
    response = anonymous.context.request.post(
        f'{portal}/demo/member/login',
        form={'email': 'li.portaltest@example.com', 'password': PASSWORD})
    assert response.status == 403


def test_stale_session_is_refused(portal, data, browser):
    page = new_page(browser)
    sign_in(page, portal, 'li.portaltest@example.com')
    page.wait_for_selector('#balance')
    page.goto(portal + '/demo/member/rewards')
    token = csrf(page)
    stale, = [c for c in page.context.cookies()
        if c['name'] == 'crm8_member']
    time.sleep(SESSION_TIMEOUT + 2)
    url = f"{portal}/demo/member/rewards/{data['rewards']['gold']}/redeem"
    before = balance(data, data['li'])
    response = page.context.request.post(url, form={'csrf_token': token})
    assert response.status == 401
    assert balance(data, data['li']) == before
    # the refusal also told the browser to drop the cookie; a browser that
    # kept it is sent to sign in again
    assert not [c for c in page.context.cookies()
        if c['name'] == 'crm8_member']
    page.context.add_cookies([stale])
    page.goto(portal + '/demo/member/history')
    assert "会话已过期" in page.locator('#error').inner_text()
    assert page.locator('#history').count() == 0
    assert page.locator('#login-form').count() == 1


def test_sixth_wrong_password_is_refused(portal, data, browser):
    page = new_page(browser)
    for _ in range(5):
        sign_in(page, portal, 'li.portaltest@example.com', 'wrong-password')
        assert "邮箱或密码错误" in page.locator('#error').inner_text()
    sign_in(page, portal, 'li.portaltest@example.com')
    assert "登录失败次数过多" in page.locator('#error').inner_text()
    assert page.locator('#balance').count() == 0
    assert not [c for c in page.context.cookies()
        if c['name'] == 'crm8_member']


def test_reset_password_by_email(portal, data, browser, inbox):
    page = new_page(browser)
    page.goto(portal + '/demo/member/reset')
    page.fill('#email', 'wang.portaltest@example.com')
    page.click('#send-reset')
    assert "重置密码的链接" in page.locator('#message').inner_text()
    for _ in range(40):
        if inbox.messages:
            break
        time.sleep(0.25)
    message, = inbox.messages
    assert message['To'] == 'wang.portaltest@example.com'
    body = message.get_body(('html', 'plain')).get_content()
    link, = set(re.findall(
        r'(http://127\.0\.0\.1:\d+/demo/member/password\?[^"<\s]+)', body))
    link = link.replace('&amp;', '&')
    page.goto(link)
    page.fill('#password', 'New-Lotus-2027')
    page.click('#set-password')
    assert "密码已设置" in page.locator('#message').inner_text()
    # the token works once
    page.goto(link)
    page.fill('#password', 'Other-Lotus-2028')
    page.click('#set-password')
    assert page.locator('#error').count() == 1
    sign_in(page, portal, 'wang.portaltest@example.com', 'New-Lotus-2027')
    page.wait_for_selector('#balance')
    assert page.locator('#balance').inner_text() == '800'


def test_sign_up_guesses_are_throttled(portal, data, browser):
    page = new_page(browser)
    for mobile in ['13900000010', '13900000011', '13900000012',
            '13900000013', '13900000014']:
        sign_up(page, portal, 'PC0002', mobile, 'guess@example.com')
        assert "卡号与会员的手机或邮箱不符" in page.locator(
            '#error').inner_text()
    sign_up(page, portal, 'PC0002', '13900000002', 'guess@example.com')
    assert "次数过多" in page.locator('#error').inner_text()
