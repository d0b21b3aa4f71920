# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Who may see what (CUS-18, CUS-19), as the demo's users over JSON-RPC.

张伟 (sales_rep) and 李娜 (sales_rep2) are reps of 华南销售一组, led by
王建国 (sales_manager).  李娜 is in the account team of 零件制造有限公司.
"""
import pytest

from conftest import RPC, RPCError

MINE = "杭州云帆电子商务有限公司"          # 张伟's
THEIRS = "北京博远信息技术有限公司"        # 李娜's, with an order
SHARED = "零件制造有限公司"                # 张伟's, 李娜 in the account team
POOLED = "天津滨海化工有限公司"            # in the lead pool


def session(url, login):
    rpc = RPC(url, 'demo')
    rpc.login(login, login)
    rpc.context = rpc.call('model.res.user.get_preferences', True, {})
    return rpc


@pytest.fixture(scope='module')
def users(demo_server):
    return {login: session(demo_server, login)
        for login in ['sales_rep', 'sales_rep2', 'sales_manager']}


@pytest.fixture(scope='module')
def ids(demo_server):
    admin = session(demo_server, 'admin')
    return {r['name']: r['id'] for r in admin.call(
            'model.party.party.search_read',
            [('name', 'in', [MINE, THEIRS, SHARED, POOLED])], 0, None, None,
            ['name'], admin.context)}


def call(rpc, method, *args):
    return rpc.call(method, *args, rpc.context)


def names(rpc, domain):
    return {r['name'] for r in call(rpc, 'model.party.party.search_read',
            domain, 0, None, None, ['name'])}


def refused(rpc, method, *args):
    with pytest.raises(RPCError) as info:
        call(rpc, method, *args)
    return str(info.value)


def test_rep_sees_own_shared_and_pool_customers(users):
    seen = names(users['sales_rep'], [('lifecycle_stage', '!=', None)])
    assert {MINE, SHARED, POOLED} <= seen
    assert THEIRS not in seen
    seen2 = names(users['sales_rep2'], [('lifecycle_stage', '!=', None)])
    assert {THEIRS, SHARED, POOLED} <= seen2
    assert MINE not in seen2


def test_leader_sees_the_team(users):
    seen = names(users['sales_manager'], [('lifecycle_stage', '!=', None)])
    assert {MINE, THEIRS, SHARED, POOLED} <= seen


def test_rep_is_refused_read_count_export(users, ids):
    rep = users['sales_rep']
    assert call(rep, 'model.party.party.search_count',
        [('name', '=', THEIRS)], 0, None) == 0
    assert call(users['sales_rep2'], 'model.party.party.search_count',
        [('name', '=', THEIRS)], 0, None) == 1
    refused(rep, 'model.party.party.read', [ids[THEIRS]], ['name'])
    refused(rep, 'model.party.party.export_data', [ids[THEIRS]], ['name'],
        {})
    exported = call(rep, 'model.party.party.export_data', [ids[MINE]],
        ['name'], {})
    assert exported == [[MINE]]


def test_rep_is_refused_write(users, ids):
    rep = users['sales_rep']
    call(rep, 'model.party.party.write', [ids[MINE]], {'size': 'medium'})
    refused(rep, 'model.party.party.write', [ids[THEIRS]],
        {'size': 'small'})
    # the pool is readable, not writable: claim it first
    refused(rep, 'model.party.party.write', [ids[POOLED]],
        {'size': 'small'})


def test_relations_follow_the_customer_scope(users, ids):
    rep = users['sales_rep']
    # 李娜's customer has an order; 张伟 finds neither the order nor the
    # customer through it
    assert call(rep, 'model.sale.sale.search_count',
        [('party', '=', ids[THEIRS])], 0, None) == 0
    assert call(users['sales_rep2'], 'model.sale.sale.search_count',
        [('party', '=', ids[THEIRS])], 0, None) == 1
    assert call(rep, 'model.party.party.search_count',
        [('sales.party.name', '=', THEIRS)], 0, None) == 0
    # the shared customer's opportunity is seen by both reps
    for login in ['sales_rep', 'sales_rep2']:
        opportunities = call(users[login],
            'model.sale.opportunity.search_read',
            [('party', '=', ids[SHARED])], 0, None, None, ['description'])
        assert [o['description'] for o in opportunities] == [
            'MMS 系统采购商机']


def test_revenue_is_hidden_from_reps(users, ids):
    message = refused(users['sales_rep'], 'model.party.party.read',
        [ids[MINE]], ['annual_revenue'])
    assert '年营业额' in message or 'Annual Revenue' in message
    values, = call(users['sales_manager'], 'model.party.party.read',
        [ids[MINE]], ['annual_revenue', 'sales_amount'])
    assert 'sales_amount' in values


def test_claim_from_the_pool_takes_it_from_the_others(users, ids):
    rep2 = users['sales_rep2']
    call(rep2, 'model.party.party.claim', [ids[POOLED]])
    assert POOLED in names(rep2, [('owner', '!=', None)])
    assert POOLED not in names(users['sales_rep'],
        [('lifecycle_stage', '!=', None)])
    assert POOLED in names(users['sales_manager'],
        [('lifecycle_stage', '!=', None)])


def test_audit_trail_follows_the_customer_scope_and_field_access(
        users, ids, demo_server):
    admin = session(demo_server, 'admin')
    for name in [MINE, THEIRS]:
        call(admin, 'model.party.party.write', [ids[name]],
            {'size': 'large', 'annual_revenue': 12345678})

    def trail(rpc):
        return {(r['party'], r['field']) for r in call(rpc,
                'model.crm8.audit.search_read', [], 0, None, None,
                ['party', 'field'])}

    # 张伟 reads the trail of his customer, not of 李娜's, and not the
    # revenue he may not read on the customer itself
    mine = trail(users['sales_rep'])
    assert (ids[MINE], 'size') in mine
    assert not {p for p, _ in mine} & {ids[THEIRS]}
    assert not {f for _, f in mine} & {'annual_revenue'}
    theirs = trail(users['sales_rep2'])
    assert (ids[THEIRS], 'size') in theirs
    assert ids[MINE] not in {p for p, _ in theirs}
    # by id too, not only by search
    hidden = [r['id'] for r in call(admin, 'model.crm8.audit.search_read',
            [('party', '=', ids[THEIRS])], 0, None, None, ['id'])]
    refused(users['sales_rep'], 'model.crm8.audit.read', hidden[:1],
        ['new_value'])
    # the manager, who may read the revenue, reads its trail
    assert (ids[MINE], 'annual_revenue') in trail(users['sales_manager'])
