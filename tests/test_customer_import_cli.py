# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""`crm8 import customers` on 10,000 rows, 3 % of them bad (CUS-17).

One SQLite database is shared by the steps, in order: all-or-nothing
refuses the file and writes nothing, a dry run counts, --skip-errors
imports exactly the good rows, importing again updates them.
"""
import io
import random
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import phonenumbers
import pytest
from stdnum.cn import uscc

BIN = Path(sys.executable).parent
ROOT = Path(__file__).parent.parent
ROWS = 10_000
BAD_KINDS = ['phone', 'email', 'name', 'industry', 'uscc']
INDUSTRIES = ['制造业', '零售', '软件和信息技术服务业', '建筑业', '金融业']
REGIONS = [('广东省', '深圳市'), ('广东', '广州'), ('浙江省', '杭州市'),
    ('江苏省', '苏州市'), ('四川省', '成都市'), ('北京市', None),
    ('上海', None), (None, None)]
HEADERS = ['客户编码', '名称', '电话', '邮箱', '省份', '城市', '行业',
    '统一社会信用代码']

SETUP = textwrap.dedent('''
    import sys
    import trytond.config as config
    config.update_etc(sys.argv[1])
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(sys.argv[2])
    pool.init()
    with Transaction().start(sys.argv[2], 0):
        Industry = pool.get('crm8.customer.industry')
        Industry.create([{'name': n} for n in sys.argv[3:]])
    ''')


def make_phone(fake):
    "Return a phone number valid for phonenumbers (some of Faker's are not)"
    while True:
        phone = fake.phone_number()
        if phonenumbers.is_valid_number(phonenumbers.parse(phone, 'CN')):
            return phone


def make_uscc(rng):
    while True:
        body = '91' + ''.join(rng.choice('0123456789') for _ in range(6)) + (
            ''.join(rng.choice('0123456789ABCDEFGHJKLMNPQRTUWXY')
                for _ in range(9)))
        number = body + uscc.calc_check_digit(body + '0')
        if uscc.is_valid(number):
            return number


def generate(rows=ROWS, bad_share=0.03, seed=17):
    """Return (xlsx bytes, {sheet line: kind of defect}, [good rows]).

    Each bad row has exactly one defect.
    """
    from faker import Faker
    fake = Faker('zh_CN')
    Faker.seed(seed)
    rng = random.Random(seed)
    bad_lines = rng.sample(range(2, rows + 2), int(rows * bad_share))
    defects = {line: BAD_KINDS[i % len(BAD_KINDS)]
        for i, line in enumerate(sorted(bad_lines))}
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADERS)
    good = []
    usccs = set()
    for line in range(2, rows + 2):
        number = make_uscc(rng)
        while number in usccs:
            number = make_uscc(rng)
        usccs.add(number)
        province, city = rng.choice(REGIONS)
        row = {
            'code': f'IMP{line:06d}',
            'name': f'{fake.company()}{line}',
            'phone': make_phone(fake),
            'email': f'sales{line}@{fake.domain_name()}',
            'province': province,
            'city': city,
            'industry': rng.choice(INDUSTRIES),
            'uscc': number,
            }
        defect = defects.get(line)
        if defect == 'phone':
            row['phone'] = '1234-56'
        elif defect == 'email':
            row['email'] = f'sales{line}.example.com'
        elif defect == 'name':
            row['name'] = None
        elif defect == 'industry':
            row['industry'] = '不存在的行业'
        elif defect == 'uscc':
            row['uscc'] = number[:-1] + ('0' if number[-1] != '0' else '1')
        else:
            good.append(row)
        sheet.append([row['code'], row['name'], row['phone'], row['email'],
                row['province'], row['city'], row['industry'], row['uscc']])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue(), defects, good


@pytest.fixture(scope='module')
def database(tmp_path_factory):
    directory = tmp_path_factory.mktemp('import')
    path = directory / 'imp.sqlite'
    subprocess.run([BIN / 'crm8', 'init', '--database', f'sqlite:///{path}'],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, '-c', SETUP, str(directory / 'imp.conf'),
            'imp', *INDUSTRIES], check=True, cwd=ROOT)
    return path


@pytest.fixture(scope='module')
def workbook(tmp_path_factory):
    data, defects, good = generate()
    path = tmp_path_factory.mktemp('xlsx') / 'customers.xlsx'
    path.write_bytes(data)
    return path, defects, good


def crm8_import(database, path, *options):
    return subprocess.run([BIN / 'crm8', 'import', 'customers', str(path),
            '--database', f'sqlite:///{database}', *options],
        cwd=ROOT, capture_output=True, text=True, timeout=600)


def error_lines(output):
    "Return {line number: text} of the errors printed (in any language)"
    result = {}
    for text in output.splitlines():
        if text.startswith('crm8:'):
            continue
        match = re.match(r'\D*?(\d+)', text)
        if match:
            result[int(match.group(1))] = text
    return result


def customers(database):
    with sqlite3.connect(database) as connection:
        return {code: (name, id_) for code, name, id_ in connection.execute(
                "SELECT code, name, id FROM party_party "
                "WHERE code LIKE 'IMP%'")}


def count(database, query):
    with sqlite3.connect(database) as connection:
        return connection.execute(query).fetchone()[0]


def test_import_customers(database, workbook):
    path, defects, good = workbook
    assert len(defects) == 300

    # all or nothing: every bad row is reported with its line, none written
    result = crm8_import(database, path)
    assert result.returncode == 1, result.stderr
    errors = error_lines(result.stdout)
    assert set(errors) == set(defects)
    for line, kind in defects.items():
        expected = {
            'phone': '1234-56',
            'email': f'sales{line}.example.com',
            'name': None,
            'industry': '不存在的行业',
            'uscc': None,
            }[kind]
        if expected:
            assert expected in errors[line], errors[line]
    assert 'nothing imported' in result.stdout
    assert customers(database) == {}

    # a dry run counts and writes nothing
    result = crm8_import(database, path, '--dry-run', '--skip-errors')
    assert result.returncode == 1
    assert f'{len(good)} to create, 0 to update, 300 with errors' in (
        result.stdout)
    assert customers(database) == {}

    # --skip-errors imports exactly the good rows, with a progress bar
    result = crm8_import(database, path, '--skip-errors')
    assert result.returncode == 0, result.stderr
    assert f'{len(good)} created, 0 updated, 300 rows' in result.stdout
    assert '100% 9700/9700' in result.stderr
    imported = customers(database)
    assert {c: n for c, (n, _) in imported.items()} == {
        r['code']: r['name'] for r in good}
    phones = count(database, "SELECT COUNT(*) FROM party_contact_mechanism "
        "WHERE type = 'phone' AND value_compact LIKE '+86%'")
    assert phones == len(good)
    assert count(database, "SELECT COUNT(*) FROM party_identifier "
        "WHERE type = 'cn_vat'") == len(good)

    # importing again updates: no new party, contact or identifier
    result = crm8_import(database, path, '--skip-errors')
    assert result.returncode == 0, result.stderr
    assert f'0 created, {len(good)} updated' in result.stdout
    assert customers(database) == imported
    assert count(database, "SELECT COUNT(*) FROM party_contact_mechanism "
        "WHERE type = 'phone'") == phones
    assert count(database, "SELECT COUNT(*) FROM party_identifier "
        "WHERE type = 'cn_vat'") == len(good)
    assert count(database, "SELECT COUNT(*) FROM party_address a "
        "JOIN party_party p ON a.party = p.id "
        "WHERE p.code LIKE 'IMP%'") <= len(good)
