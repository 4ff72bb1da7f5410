"""Canonical column names the core works with, and the order of the analysis table."""

CUSTOMER_ID = "customer_id"

# Transactions: one line per invoice line or document; negative amounts are credit notes.
TX_DATE, TX_AMOUNT, TX_MARGIN, TX_DOCUMENT = "date", "amount", "margin", "document_no"

# Customers: flags and budget used by the typology; anything else is carried along untouched.
KNOWN_BRAND, HIGH_DEMANDS, BUDGET, KEY_OVERRIDE = "known_brand", "high_demands", "budget", "key_account_override"

# Complaints
COMPLAINT_DATE, COMPLAINT_CATEGORY, COMPLAINT_SEVERITY = "date", "category", "severity"

ANALYSIS_COLUMNS = [
    "customer_id", "revenue", "profit", "share", "cum_share_before", "abc", "periods", "cv", "xyz",
    "abc_xyz", "types", "primary_type", "key_account", "first_purchase", "last_purchase", "purchase_days",
    "interval_days", "silence_days", "complaints_90d", "complaints_prev_90d", "churn", "p_alive",
    # Early warning
    "abc_12m", "abc_prev", "migration", "revenue_12m", "revenue_prev_12m", "trend", "expected_purchases_90d",
    "avg_order_value", "clv_12m", "warning",
]

# Customer types, in order of precedence for the primary type.
BREADWINNER, IMAGE_MAKER, EXPERT, PROSPECT = "Breadwinner", "Image maker", "Expert", "Prospect"
TYPE_ORDER = (BREADWINNER, IMAGE_MAKER, EXPERT, PROSPECT)

# Churn flags
ACTIVE, AT_RISK, LOST, NO_PURCHASE = "active", "at risk", "lost", "none"
