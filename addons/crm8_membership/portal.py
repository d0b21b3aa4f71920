# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""The member self-service portal (MEM-9, INT-3).

Plain HTML pages served by trytond under /<database>/member/, built on
web_user: a member's account is the web.user whose party is the member's
party, and a signed-in browser holds only the key of a web.user.session in
an HttpOnly cookie. Every page finds the member from that session, so no
database id of a member, a ledger line or a sale is ever taken from the
request; rewards are named by their opaque code.
"""
import hashlib
import hmac
import secrets
from functools import cached_property
from pathlib import Path

from genshi.template import TemplateLoader

from trytond import config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model.exceptions import ValidationError
from trytond.pool import PoolMeta
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, redirect, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

SESSION_COOKIE = 'crm8_member'
ANONYMOUS_COOKIE = 'crm8_member_anon'
LANGUAGE_COOKIE = 'crm8_member_lang'
LANGUAGES = {'zh_CN', 'en'}
# failed logins of one email within [session] timeout before it is refused
MAX_ATTEMPTS = 5

loader = TemplateLoader(
    str(Path(__file__).parent / 'portal'), auto_reload=False)

LABELS = [
    'title', 'language', 'home', 'history', 'purchases', 'rewards',
    'sign_in', 'sign_out', 'sign_up', 'email', 'password', 'card',
    'contact', 'contact_help', 'forgot', 'reset', 'reset_sent',
    'new_password', 'set_password', 'password_set', 'reset_invalid',
    'login_failed', 'throttled', 'expired', 'csrf', 'signup_failed',
    'signup_exists', 'signup_done', 'welcome', 'member_number', 'tier',
    'balance', 'points', 'progress', 'next_tier', 'top_tier', 'date',
    'kind', 'description', 'number', 'amount', 'shop', 'order',
    'no_records', 'cost', 'redeem', 'redeemed', 'redemption_code',
    'coupon_number', 'my_redemptions', 'reward', 'back', 'not_found',
    'error', 'valid_until', 'stock_left', 'used',
    ]


class WebUser(metaclass=PoolMeta):
    __name__ = 'web.user'

    def get_email_reset_password_url(self, url=None):
        # the portal tells where its reset page is when the server has no
        # [web] reset_password_url of its own
        if url is None and not config.get('web', 'reset_password_url'):
            url = Transaction().context.get('member_portal_reset_url')
        return super().get_email_reset_password_url(url=url)


def csrf_token(seed):
    "Return the form token that belongs to the cookie value seed"
    return hmac.new(
        seed.encode(), b'crm8-member-csrf', hashlib.sha256).hexdigest()


class Portal:
    "The state of one request: language, session, member"

    def __init__(self, request, pool):
        self.request = request
        self.pool = pool
        self.database = Transaction().database.name
        self.base = f'/{self.database}/member'
        language = request.args.get('lang') or request.cookies.get(
            LANGUAGE_COOKIE)
        self.language = language if language in LANGUAGES else 'zh_CN'
        self.set_language = request.args.get('lang') in LANGUAGES
        self.session_key = request.cookies.get(SESSION_COOKIE)
        self.anonymous = request.cookies.get(ANONYMOUS_COOKIE)
        self.new_anonymous = None
        self.web_user = None
        self.expired = False
        if self.session_key:
            self.web_user = self._session_user()
            self.expired = self.web_user is None

    def _session_user(self):
        Session = self.pool.get('web.user.session')
        # web_user's own timeout: [session] web_timeout, counted from the
        # last request (the session is touched on every page)
        user = Session.get_user(self.session_key)
        if user and user.active:
            Session.reset(self.session_key)
            return user

    @cached_property
    def member(self):
        "The member of the signed-in web user, from the session only"
        Member = self.pool.get('crm8.member')
        if not self.web_user or not self.web_user.party:
            return None
        members = Member.search([
                ('party', '=', self.web_user.party.id),
                ('state', '=', 'active'),
                ], order=[('join_date', 'ASC'), ('id', 'ASC')], limit=1)
        return members[0] if members else None

    def label(self, key, **variables):
        with Transaction().set_context(language=self.language):
            return gettext(f'crm8_membership.msg_portal_{key}', **variables)

    def csrf(self):
        seed = self.session_key if self.web_user else self._anonymous_seed()
        return csrf_token(seed)

    def _anonymous_seed(self):
        if not self.anonymous:
            self.anonymous = self.new_anonymous = secrets.token_hex(32)
        return self.anonymous

    def check_csrf(self):
        "Refuse a POST whose token does not belong to this browser"
        seed = self.session_key if self.web_user else self.anonymous
        token = self.request.form.get('csrf_token', '')
        if not seed or not hmac.compare_digest(csrf_token(seed), token):
            abort(HTTPStatus.FORBIDDEN, self.label('csrf'))

    def url(self, path=''):
        return f'{self.base}/{path}'

    def render(self, template, status=200, **values):
        values.update(
            t=self.label, url=self.url, csrf=self.csrf(),
            language=self.language, signed_in=bool(self.web_user),
            other_language='en' if self.language == 'zh_CN' else 'zh_CN')
        values.setdefault('message', None)
        values.setdefault('error', None)
        stream = loader.load(template).generate(**values)
        response = Response(
            stream.render('html', doctype='html5', encoding='utf-8'),
            status=status, content_type='text/html; charset=utf-8')
        return self.finish(response)

    def redirect(self, path=''):
        return self.finish(redirect(self.url(path), code=303))

    def cookie(self, response, name, value, max_age=None):
        response.set_cookie(
            name, value, path=self.base, max_age=max_age, httponly=True,
            samesite='Strict', secure=self.secure)

    @property
    def secure(self):
        return (self.request.scheme == 'https'
            or config.getboolean('member_portal', 'secure', default=False))

    def finish(self, response):
        if self.new_anonymous:
            self.cookie(response, ANONYMOUS_COOKIE, self.new_anonymous)
        if self.set_language:
            self.cookie(response, LANGUAGE_COOKIE, self.language,
                max_age=365 * 24 * 60 * 60)
        if self.expired:
            response.delete_cookie(SESSION_COOKIE, path=self.base)
        response.headers['Cache-Control'] = 'no-store'
        response.headers['X-Frame-Options'] = 'DENY'
        response.headers['Referrer-Policy'] = 'same-origin'
        response.headers['Content-Security-Policy'] = (
            "default-src 'self'; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'; form-action 'self'")
        return response

    def start_session(self, web_user):
        response = self.redirect('')
        key = web_user.new_session()
        self.cookie(response, SESSION_COOKIE, key)
        # a new anonymous seed after sign-in: a token seen before it is dead
        response.delete_cookie(ANONYMOUS_COOKIE, path=self.base)
        return response


def portal_route(path, methods={'GET'}, signed_in=True):
    "Register a portal page; signed_in pages send others to the login"
    def decorator(func):
        @app.route(f'/<database_name>/member/{path}', methods=methods)
        @with_pool
        @with_transaction(readonly=False)
        def wrapper(request, pool, **kwargs):
            portal = Portal(request, pool)
            with Transaction().set_context(language=portal.language):
                if signed_in and not portal.member:
                    if portal.expired:
                        return portal.render('login.html', status=401,
                            error=portal.label('expired'))
                    return portal.redirect('login')
                if request.method == 'POST':
                    portal.check_csrf()
                # the member's company gives today's date (its timezone)
                # as at the tills, so points booked today count today
                company = (portal.member.programme.company.id
                    if portal.member else None)
                with Transaction().set_context(company=company):
                    return func(portal, **kwargs)
        return wrapper
    return decorator


@portal_route('')
def home(portal):
    member = portal.member
    progress = None
    # Member.get_tier_progress comes with the tiers of the programme; a
    # programme without tiers shows no progress
    if (hasattr(member, 'get_tier_progress')
            and member.programme.tiers()):
        progress = member.get_tier_progress()
        if progress.get('next_type') and progress.get('target'):
            current, target = progress['current'], progress['target']
            if progress.get('measure') == 'points':
                shown = [str(int(current)), str(int(target))]
            else:
                shown = [f'{current:.2f}', f'{target:.2f}']
            progress = dict(progress,
                shown_current=shown[0], shown_target=shown[1],
                percent=min(100, int(100 * current / target)))
    return portal.render('home.html', member=member, progress=progress)


@portal_route('login', methods={'GET', 'POST'}, signed_in=False)
def login(portal):
    pool = portal.pool
    User = pool.get('web.user')
    Attempt = pool.get('web.user.authenticate.attempt')
    if portal.request.method == 'GET':
        if portal.member:
            return portal.redirect('')
        return portal.render('login.html')
    email = (portal.request.form.get('email') or '').strip().lower()
    password = portal.request.form.get('password') or ''
    if not email:
        return portal.render('login.html', status=400,
            error=portal.label('login_failed'))
    # refused without looking at the password: a right password after
    # too many wrong ones stays refused until the window has passed
    if Attempt.count(email) >= MAX_ATTEMPTS:
        Attempt.add(email)
        return portal.render('login.html', status=429,
            error=portal.label('throttled'))
    users = User.search([('email', '=', email)], limit=1)
    if users and users[0].password_hash:
        valid, _ = User.check_password(password, users[0].password_hash)
        if valid:
            Attempt.remove(email)
            return portal.start_session(users[0])
    Attempt.add(email)
    return portal.render('login.html', status=401,
        error=portal.label('login_failed'))


@portal_route('logout', methods={'POST'}, signed_in=False)
def logout(portal):
    Session = portal.pool.get('web.user.session')
    if portal.session_key:
        Session.remove(portal.session_key)
    response = portal.redirect('login')
    response.delete_cookie(SESSION_COOKIE, path=portal.base)
    return response


@portal_route('signup', methods={'GET', 'POST'}, signed_in=False)
def signup(portal):
    pool = portal.pool
    Card = pool.get('crm8.member.card')
    User = pool.get('web.user')
    ResUser = pool.get('res.user')
    Attempt = pool.get('web.user.authenticate.attempt')
    if portal.request.method == 'GET':
        return portal.render('signup.html')
    form = portal.request.form
    number = (form.get('card') or '').strip()
    # guessing the mobile of a card is throttled like a password
    attempt_key = f'crm8-member-signup:{number}'
    if Attempt.count(attempt_key) >= MAX_ATTEMPTS:
        Attempt.add(attempt_key)
        return portal.render('signup.html', status=429,
            error=portal.label('throttled'))
    contact = (form.get('contact') or '').strip()
    email = (form.get('email') or '').strip().lower()
    password = form.get('password') or ''
    if not email and '@' in contact:
        email = contact.lower()
    cards = Card.search([
            ('number', '=', number),
            ('state', '=', 'active'),
            ], limit=1) if number and contact else []
    member = cards[0].member if cards else None
    # one answer for a wrong card and a wrong mobile or email: the page
    # must not tell which card numbers exist
    if (not member or member.state != 'active' or not email
            or contact.lower() not in {
                (member.mobile or '').lower(),
                (member.email or '').lower()} - {''}):
        Attempt.add(attempt_key)
        return portal.render('signup.html', status=400,
            error=portal.label('signup_failed'))
    if User.search(['OR',
                ('party', '=', member.party.id),
                ('email', '=', email),
                ], limit=1):
        return portal.render('signup.html', status=400,
            error=portal.label('signup_exists'))
    try:
        ResUser.validate_password(password, [])
        user = User(email=email, party=member.party, password=password)
        user.save()
    except (UserError, ValidationError) as exception:
        Transaction().rollback()
        return portal.render('signup.html', status=400,
            error=exception.message)
    return portal.start_session(user)


@portal_route('reset', methods={'GET', 'POST'}, signed_in=False)
def reset(portal):
    User = portal.pool.get('web.user')
    if portal.request.method == 'GET':
        return portal.render('reset.html')
    email = (portal.request.form.get('email') or '').strip().lower()
    users = User.search([('email', '=', email)], limit=1) if email else []
    if users:
        request = portal.request
        url = f'{request.host_url.rstrip("/")}{portal.url("password")}'
        with Transaction().set_context(member_portal_reset_url=url):
            User.reset_password(users)
    # the same answer for unknown emails
    return portal.render('reset.html', message=portal.label('reset_sent'))


@portal_route('password', methods={'GET', 'POST'}, signed_in=False)
def password(portal):
    User = portal.pool.get('web.user')
    ResUser = portal.pool.get('res.user')
    source = portal.request.form if portal.request.method == 'POST' \
        else portal.request.args
    email, token = source.get('email', ''), source.get('token', '')
    if portal.request.method == 'GET':
        return portal.render('password.html', email=email, token=token)
    password = portal.request.form.get('password') or ''
    try:
        ResUser.validate_password(password, [])
    except UserError as exception:
        return portal.render('password.html', status=400, email=email,
            token=token, error=exception.message)
    if email and token and User.set_password_token(email, token, password):
        return portal.render('login.html', message=portal.label(
                'password_set'))
    return portal.render('password.html', status=400, email=email,
        token=token, error=portal.label('reset_invalid'))


@portal_route('history')
def history(portal):
    Line = portal.pool.get('crm8.member.points.line')
    lines = Line.search([('member', '=', portal.member.id)], limit=200)
    return portal.render('history.html', member=portal.member, lines=lines)


@portal_route('purchases')
def purchases(portal):
    pool = portal.pool
    POSSale = pool.get('sale.point.sale')
    Sale = pool.get('sale.sale')
    member = portal.member
    rows = []
    for sale in POSSale.search([
                ('member', '=', member.id),
                ('state', 'in', ['done', 'posted']),
                ], order=[('date', 'DESC'), ('id', 'DESC')], limit=100):
        rows.append((sale.date, sale.number, sale.point.rec_name,
                sale.total, sale.points))
    for sale in Sale.search([
                ('party', '=', member.party.id),
                ('state', 'in', ['confirmed', 'processing', 'done']),
                ], order=[('sale_date', 'DESC'), ('id', 'DESC')], limit=100):
        rows.append((sale.sale_date, sale.number, portal.label('order'),
                sale.total_amount, None))
    rows.sort(key=lambda r: (r[0] is not None, r[0]), reverse=True)
    return portal.render('purchases.html', member=member, rows=rows)


@portal_route('rewards')
def rewards(portal):
    pool = portal.pool
    Reward = pool.get('crm8.member.reward')
    Redemption = pool.get('crm8.member.redemption')
    member = portal.member
    redemptions = Redemption.search([
            ('member', '=', member.id),
            ('state', '=', 'done'),
            ], limit=50)
    return portal.render('rewards.html', member=member,
        rewards=Reward.available(member), redemptions=redemptions)


@portal_route('rewards/<code>/redeem', methods={'POST'})
def redeem(portal, code):
    pool = portal.pool
    Reward = pool.get('crm8.member.reward')
    Redemption = pool.get('crm8.member.redemption')
    member = portal.member
    # only a reward of the member's own programme, found by its code
    rewards = Reward.search([
            ('code', '=', code),
            ('programme', '=', member.programme.id),
            ], limit=1)
    if not rewards:
        return portal.render('error.html', status=404,
            error=portal.label('not_found'))
    reward, = rewards
    try:
        redemption = Redemption.redeem_reward(member, reward)
    except UserError as exception:
        # nothing of the refused redemption may stay
        Transaction().rollback()
        return portal.render('error.html', status=400,
            error=exception.message)
    # the balance read after the booking, not the one cached before it
    balance = pool.get('crm8.member').get_points_balance(
        [member], 'points_balance')[member.id]
    return portal.render('redeemed.html', member=member,
        redemption=redemption, balance=balance)
