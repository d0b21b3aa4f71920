# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""The demo path on SQLite: `crm8 init --demo` then `crm8 serve`."""
import base64
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class RPC:
    "JSON-RPC client as an integrator writes it"

    def __init__(self, url, database):
        self.url = f'{url}/{database}/rpc/'
        self.session = None

    def login(self, login, password, language='zh_CN'):
        user_id, token, *_ = self.call('common.db.login', login,
            {'password': password}, language)
        self.session = base64.b64encode(
            f'{login}:{user_id}:{token}'.encode()).decode()
        self.user_id = user_id
        return user_id

    def call(self, method, *params):
        request = urllib.request.Request(self.url,
            data=json.dumps({'id': 1, 'method': method,
                    'params': list(params)}).encode(),
            headers={'Content-Type': 'application/json'})
        if self.session:
            request.add_header('Authorization', f'Session {self.session}')
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        if answer.get('error'):
            raise RPCError(answer['error'])
        return answer['result']


class RPCError(Exception):
    pass


@pytest.fixture(scope='session')
def demo_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp('demo')
    database = f'sqlite:///{directory}/demo.sqlite'
    subprocess.run([BIN / 'crm8', 'init', '--database', database, '--demo'],
        check=True, cwd=Path(__file__).parent.parent,
        stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen(
        [BIN / 'crm8', 'serve', '--database', database, '--port', str(port)],
        cwd=Path(__file__).parent.parent, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
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


@pytest.fixture
def rpc(demo_server):
    return RPC(demo_server, 'demo')


@pytest.fixture(scope='session')
def browser():
    "Debian's headless Chromium, launched once for the whole run"
    playwright = pytest.importorskip('playwright.sync_api')
    if not Path('/usr/bin/chromium').exists():
        pytest.fail("Debian chromium is needed: apt-get install chromium")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium',
            args=['--no-sandbox', '--disable-gpu',
                '--disable-background-networking',
                '--disable-component-update', '--disable-sync'])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh Chinese page (own cookies and storage); `page.errors` collects
    the JavaScript errors, which a test asserts empty"""
    context = browser.new_context(locale='zh-CN',
        viewport={'width': 1440, 'height': 900})
    page = context.new_page()
    page.errors = []
    page.on('pageerror', lambda e: page.errors.append(e.stack or str(e)))
    yield page
    context.close()


def sao_login(page, url, login, password=None, database='demo'):
    "Sign in to the web client (sao) as `login`"
    page.goto(f'{url}/#{database}')
    page.wait_for_selector('#login', state='visible', timeout=30000)
    page.fill('#login', login)
    page.keyboard.press('Enter')
    page.wait_for_selector('input[type=password]', state='visible')
    page.fill('input[type=password]', password or login)
    page.keyboard.press('Enter')
