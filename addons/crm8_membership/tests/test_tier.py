# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import unittest
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction


class TierProgressTestCase(unittest.TestCase):
    "Test Member.get_tier_progress, the API of the member portal"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module(['crm8_membership'])

    @with_transaction()
    def test_get_tier_progress(self):
        pool = Pool()
        Sequence = pool.get('ir.sequence')
        SequenceType = pool.get('ir.sequence.type')
        Programme = pool.get('crm8.member.programme')
        Type = pool.get('crm8.member.type')
        Member = pool.get('crm8.member')
        Party = pool.get('party.party')
        Line = pool.get('crm8.member.points.line')

        company = create_company()
        with set_company(company):
            sequence_type, = SequenceType.search(
                [('name', '=', 'Member Number')])
            sequence = Sequence(name="会员号", sequence_type=sequence_type)
            sequence.save()
            programme = Programme(name="会员计划", number_sequence=sequence,
                tier_measure='points', company=company)
            programme.save()
            basic, silver, vip = Type.create([
                    {'programme': programme.id, 'name': "普卡",
                        'sequence': 10, 'tier_threshold': Decimal(0)},
                    {'programme': programme.id, 'name': "银卡",
                        'sequence': 20, 'tier_threshold': Decimal(500)},
                    {'programme': programme.id, 'name': "钻石卡",
                        'sequence': 30, 'vip': True},
                    ])
            party = Party(name="王芳")
            party.save()
            member = Member(programme=programme, party=party, type=basic)
            member.save()
            Line.book([
                    Line(member=member, kind='earn', points=300),
                    Line(member=member, kind='adjust', points=1000),
                    ])

            self.assertEqual(member.get_tier_progress(), {
                    'type': basic,
                    'next_type': silver,
                    'measure': 'points',
                    'current': Decimal(300),
                    'target': Decimal(500),
                    })

            # a VIP member has no next type
            member.type = vip
            member.save()
            progress = member.get_tier_progress()
            self.assertEqual(progress['type'], vip)
            self.assertIsNone(progress['next_type'])
            self.assertIsNone(progress['target'])
