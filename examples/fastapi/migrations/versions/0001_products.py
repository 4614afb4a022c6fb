"""The catalogue's one table."""
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE IF NOT EXISTS products (
            id       bigint PRIMARY KEY,
            name     text NOT NULL,
            category text NOT NULL,
            price    numeric(10, 2) NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS products")
