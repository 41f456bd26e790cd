"""``proforum db``: the SQL database's schema (``upgrade``, ``current``)."""

from __future__ import annotations

import click

from proforum.errors import ProforumError

_DB_HELP = "Database URL, e.g. sqlite:///forum.db or postgresql+psycopg://user@host/db."


@click.group("db")
def db_group() -> None:
    """Create and upgrade the schema of a SQL database."""


@db_group.command("upgrade")
@click.option("--db", "db", required=True, help=_DB_HELP)
@click.option("--revision", default="head", show_default=True, help="The revision to upgrade to.")
def upgrade_command(db: str, revision: str) -> None:
    """Bring the database's schema up to date (creating it if the database is empty)."""
    # Imported here: SQLAlchemy and Alembic are not needed by other commands.
    from proforum.adapters.sql.engine import display_url
    from proforum.adapters.sql.schema import upgrade

    try:
        reached = upgrade(db, revision)
    except ProforumError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{display_url(db)}: 스키마 리비전 {reached} / schema at revision {reached}")


@db_group.command("current")
@click.option("--db", "db", required=True, help=_DB_HELP)
def current_command(db: str) -> None:
    """Show the database's schema revision and the one this proforum expects."""
    import sqlalchemy as sa

    from proforum.adapters.sql.engine import create_engine, database_error, display_url
    from proforum.adapters.sql.schema import current_revision, head_revision

    try:
        engine = create_engine(db)
        failure: ProforumError | None = None
        try:
            with engine.connect() as connection:
                current = current_revision(connection)
        except sa.exc.DBAPIError as exc:
            # Raised outside this block: the driver's exception may hold the password.
            failure = database_error(exc, db)
        finally:
            engine.dispose()
        if failure is not None:
            raise failure
    except ProforumError as exc:
        raise click.ClickException(str(exc)) from exc
    head = head_revision()
    state = "up to date" if current == head else "needs `proforum db upgrade`"
    click.echo(f"{display_url(db)}: current {current or '-'}, head {head} ({state})")
