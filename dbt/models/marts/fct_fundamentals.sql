-- Gold: income statements with margins and revenue growth.
-- Growth compares a period with the same period of the previous fiscal year (FY vs FY,
-- Q2 vs Q2), and is null when that statement is missing or its revenue is not positive.
-- Margins are null when revenue is not positive.
-- A table, rebuilt each run: it grows by one row per statement (a few a year per symbol),
-- not per day, so a rebuild stays cheap while history grows.
{{ config(materialized='table') }}

with statements as (
    select
        *,
        lag(fiscal_year) over (
            partition by symbol, period order by fiscal_year
        ) as previous_fiscal_year,
        lag(revenue) over (
            partition by symbol, period order by fiscal_year
        ) as previous_revenue
    from {{ ref('stg_income_statements') }}
)

select
    symbol || '|' || cast(fiscal_year as varchar) || '|' || period as fundamentals_id,
    symbol,
    fiscal_year,
    period,
    statement_date,
    reported_currency,
    revenue,
    cost_of_revenue,
    gross_profit,
    operating_income,
    net_income,
    eps,
    eps_diluted,
    gross_profit / {{ positive_or_null('revenue') }} as gross_margin,
    net_income / {{ positive_or_null('revenue') }} as net_margin,
    case
        when previous_fiscal_year = fiscal_year - 1
            then revenue / {{ positive_or_null('previous_revenue') }} - 1
    end as revenue_growth,
    ingest_date
from statements
