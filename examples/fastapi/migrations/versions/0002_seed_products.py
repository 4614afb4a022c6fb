"""200,000 products in 400 categories, the same rows on every run (no random())."""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        INSERT INTO products (id, name, category, price)
        SELECT n, 'product ' || n, 'category-' || (n::bigint * 7919 % 400), ((n::bigint * 104729) % 100000) / 100.0
        FROM generate_series(1, 200000) AS n
        ON CONFLICT (id) DO NOTHING
        """
    )
    op.execute("ANALYZE products")


def downgrade() -> None:
    op.execute("DELETE FROM products WHERE id <= 200000")
