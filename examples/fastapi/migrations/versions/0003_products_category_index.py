"""The change under test: searches filter on category and sort by price, which without this index
read the whole table."""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS products_category_price ON products (category, price)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS products_category_price")
