# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""The pipeline board: one column per sales stage, a card per opportunity.

Tryton has no kanban view, so trytond serves a page of its own. The page
holds no privilege: it logs the user in over JSON-RPC and does everything
with that session, so the record rules of the user apply.
"""
import json
from pathlib import Path

from trytond.i18n import gettext
from trytond.protocols.wrappers import Response, with_pool, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app

PAGE = Path(__file__).parent / 'board'
LABELS = [
    'title', 'login', 'password', 'sign_in', 'sign_out', 'refresh',
    'previous', 'next', 'confidence', 'amount', 'empty', 'moved',
    'login_failed',
    ]


def _html(name):
    return (PAGE / name).read_text(encoding='utf-8')


@app.route('/crm8/pipeline', methods={'GET'})
def pipeline_redirect(request):
    "Find the database the web client logged in to and open its board"
    return Response(_html('redirect.html'), content_type='text/html')


@app.route('/<database_name>/crm8/pipeline', methods={'GET'})
@with_pool
@with_transaction(context={'_check_access': False})
def pipeline(request, pool):
    language = request.args.get('language') or 'zh_CN'
    with Transaction().set_context(language=language):
        labels = {n: gettext(f'crm8_sales.msg_board_{n}') for n in LABELS}
    page = _html('pipeline.html').replace(
        '/*CRM8_CONFIG*/null', json.dumps({
                'database': Transaction().database.name,
                'language': language,
                'labels': labels,
                }, ensure_ascii=False).replace('</', '<\\/'))
    return Response(page, content_type='text/html; charset=utf-8')
