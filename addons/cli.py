# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""crm8 — administer a crm8 database.

  crm8 init  --database URI [--demo] [--lang zh_CN]
  crm8 serve --database URI [--port N]
  crm8 config --database URI          (print the trytond configuration)
  crm8 import customers FILE.xlsx --database URI [--key code|uscc|name_phone]
                       [--dry-run] [--skip-errors] [--user admin]

URI is sqlite:///path/to/NAME.sqlite or postgresql://user@host:port/NAME;
import also takes the NAME of var/NAME.sqlite.
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# The standard modules the suite installs beside its own (the demo and the
# later crm8 modules build on them).
STANDARD_MODULES = ['sale_opportunity']
LANGUAGES = ['zh_CN']


def crm8_modules():
    from importlib.metadata import entry_points
    return sorted(ep.name for ep in entry_points(group='trytond.modules')
        if ep.value.startswith('crm8.'))


def parse_database(uri):
    "Return (trytond database uri, path or None, database name)"
    parts = urlsplit(uri)
    if parts.scheme == 'sqlite':
        path = Path(parts.path)
        if path.suffix != '.sqlite':
            sys.exit(f"crm8: a SQLite database ends in .sqlite: {uri}")
        return 'sqlite://', str(path.parent.resolve()), path.stem
    if parts.scheme.startswith('postgresql'):
        name = parts.path.strip('/')
        if not name:
            sys.exit(f"crm8: name the database in the URI: {uri}")
        server = urlunsplit((parts.scheme, parts.netloc, '/', '', ''))
        return server, None, name
    sys.exit(f"crm8: unknown database URI: {uri}")


def sao_root():
    "Return the folder of the installed web client, if any"
    for base in [Path.cwd(), Path(__file__).resolve().parent.parent]:
        root = base / 'node_modules' / 'tryton-sao'
        if (root / 'index.html').exists():
            return root
    return None


def write_config(uri, port=8000):
    "Write the trytond configuration for the database and return its path"
    db_uri, path, name = parse_database(uri)
    lines = [
        '[database]',
        f'uri = {db_uri}',
        'language = zh_CN',
        ]
    if path:
        lines.append(f'path = {path}')
    lines += [
        '',
        '[web]',
        f'listen = 127.0.0.1:{port}',
        ]
    root = sao_root()
    if root:
        lines.append(f'root = {root}')
    lines += [
        '',
        '[email]',
        f'uri = {os.environ.get("CRM8_SMTP", "smtp://localhost:25")}',
        'from = crm8 <crm8@localhost>',
        '',
        '[session]',
        'authentications = password',
        '',
        ]
    directory = Path(path) if path else Path(tempfile.gettempdir())
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / f'{name}.conf'
    config.write_text('\n'.join(lines))
    return config, name, path


def bin_(name):
    return str(Path(sys.executable).parent / name)


def init(args):
    config, name, path = write_config(args.database)
    new = False
    if path:
        # trytond-admin needs the SQLite file to exist
        db_file = Path(path) / f'{name}.sqlite'
        new = not db_file.exists()
        db_file.touch()
    else:
        create_postgresql(args.database, name)
    modules = crm8_modules() + STANDARD_MODULES
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        passfile.write(args.password + '\n')
        passfile.flush()
        env = dict(os.environ, TRYTONPASSFILE=passfile.name)
        cmd = [bin_('trytond-admin'), '-c', str(config), '-d', name,
            '-u', *modules, '--activate-dependencies',
            '--email', 'admin@example.com', '-l', *args.lang]
        subprocess.run(cmd, check=True, env=env)
    if args.demo:
        from crm8 import demo
        try:
            demo.load(str(config), name)
        except BaseException:
            if new:
                # a half-loaded demo is worse than none: start afresh
                db_file.unlink()
            raise
    print(f"crm8: database {name!r} ready ({', '.join(modules)})")


def create_postgresql(uri, name):
    import psycopg
    parts = urlsplit(uri)
    server = urlunsplit(('postgresql', parts.netloc, '/postgres', '', ''))
    with psycopg.connect(server, autocommit=True) as conn:
        found = conn.execute(
            'SELECT 1 FROM pg_database WHERE datname = %s', (name,)).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\'')


def serve(args):
    config, name, _ = write_config(args.database, args.port)
    if not sao_root():
        print("crm8: web client not found; run `make sao` (RPC still works)",
            file=sys.stderr)
    print(f"crm8: serving {name!r} on http://127.0.0.1:{args.port}/ "
        "(log in as admin / admin on the demo)", flush=True)
    os.execv(bin_('trytond'), [bin_('trytond'), '-c', str(config),
            '-d', name])


def show_config(args):
    config, _, _ = write_config(args.database)
    print(config.read_text())


def resolve_database(value):
    "Return the database URI of a URI or of the name of var/NAME.sqlite"
    if '://' in value:
        return value
    for base in [Path.cwd(), Path(__file__).resolve().parent.parent]:
        path = base / 'var' / f'{value}.sqlite'
        if path.exists():
            return f'sqlite:///{path}'
    sys.exit(f"crm8: no database {value!r}: give its URI "
        "(sqlite:///… or postgresql://…)")


def progress_bar(stream=sys.stderr, width=30):
    "Return a progress(done, total) callback drawing a text bar"
    def progress(done, total):
        filled = width * done // total if total else width
        percent = 100 * done // total if total else 100
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] "
            f"{percent:3d}% {done}/{total}")
        if done >= total:
            stream.write('\n')
        stream.flush()
    return progress


def import_customers(args):
    """Check the rows of the file, print their errors and import them.

    Exit status: 0 when imported (or a clean dry run), 1 when rows were
    refused and nothing was imported, 2 when the file cannot be read.
    """
    import trytond.config as tconfig
    uri = resolve_database(args.database)
    config, name, _ = write_config(uri)
    tconfig.update_etc(str(config))
    from trytond.exceptions import UserError
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    try:
        data = Path(args.file).read_bytes()
    except OSError as exception:
        print(f"crm8: {exception}", file=sys.stderr)
        return 2
    Pool.start()
    pool = Pool(name)
    pool.init()
    with Transaction().start(name, 0, readonly=True):
        User = pool.get('res.user')
        users = User.search([('login', '=', args.user)], limit=1)
        if not users:
            print(f"crm8: no user {args.user!r}", file=sys.stderr)
            return 2
        user, = users
        with Transaction().set_user(user.id):
            context = User.get_preferences(context_only=True)
    from crm8.crm8_customer.customer_import import CustomerImporter
    with Transaction().start(name, user.id, context=context) as transaction:
        importer = CustomerImporter(args.key)
        try:
            importer.read(data)
            importer.check()
        except UserError as exception:
            print(f"crm8: {exception.message}", file=sys.stderr)
            return 2
        to_create, to_update, with_errors = importer.counts()
        if with_errors:
            print(importer.report())
        if args.dry_run:
            transaction.rollback()
            print(f"crm8: dry run of {len(importer.rows)} rows: "
                f"{to_create} to create, {to_update} to update, "
                f"{with_errors} with errors; nothing written")
            return 1 if with_errors else 0
        if with_errors and not args.skip_errors:
            transaction.rollback()
            print(f"crm8: nothing imported: {with_errors} of "
                f"{len(importer.rows)} rows have errors "
                "(fix them or use --skip-errors)")
            return 1
        try:
            created, updated = importer.write(progress=progress_bar())
        except UserError as exception:
            transaction.rollback()
            print(f"crm8: nothing imported: {exception.message}",
                file=sys.stderr)
            return 1
        transaction.commit()
    print(f"crm8: {created} created, {updated} updated, "
        f"{with_errors} rows with errors not imported")
    return 1 if with_errors and not (created or updated) else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog='crm8', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)
    p = commands.add_parser('init', help="create or upgrade a database")
    p.add_argument('--database', required=True)
    p.add_argument('--demo', action='store_true',
        help="load the Chinese demo data")
    p.add_argument('--lang', nargs='+', default=LANGUAGES)
    p.add_argument('--password', default='admin',
        help="password of admin when the database is created")
    p.set_defaults(func=init)
    p = commands.add_parser('serve', help="serve the web client and RPC")
    p.add_argument('--database', required=True)
    p.add_argument('--port', type=int, default=8000)
    p.set_defaults(func=serve)
    p = commands.add_parser('config', help="print the trytond configuration")
    p.add_argument('--database', required=True)
    p.set_defaults(func=show_config)
    p = commands.add_parser('import', help="import records from a file")
    kinds = p.add_subparsers(dest='kind', required=True)
    p = kinds.add_parser('customers',
        help="create or update customers from an Excel file (.xlsx)")
    p.add_argument('file', metavar='FILE.xlsx')
    p.add_argument('--database', required=True)
    p.add_argument('--key', choices=['code', 'uscc', 'name_phone'],
        default='code',
        help="how a row finds the customer it updates (default: code)")
    p.add_argument('--dry-run', action='store_true',
        help="check and count, write nothing")
    p.add_argument('--skip-errors', action='store_true',
        help="import the valid rows even if some rows have errors")
    p.add_argument('--user', default='admin',
        help="the user who imports (access rights, language)")
    p.set_defaults(func=import_customers)
    args = parser.parse_args(argv)
    status = args.func(args)
    if status:
        sys.exit(status)


if __name__ == '__main__':
    main()
