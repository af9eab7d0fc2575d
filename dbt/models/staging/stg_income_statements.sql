-- Silver: one row per (symbol, fiscal_year, period), typed; the newest bronze partition
-- wins (then the latest fetch). Statements without a symbol, fiscal year or a known period
-- are dropped. Incremental: new bronze partitions only, merged on the natural key.
{{ config(
    unique_key=['symbol', 'fiscal_year', 'period'],
) }}

with records as (
    {{ bronze_records(source('bronze', 'income'), 'income', incremental_since()) }}
),

typed as (
    select
        {{ clean_symbol('symbol', 'envelope_symbol') }} as symbol,
        {{ to_bigint('fiscal_year') }} as fiscal_year,
        upper(trim(period)) as period,
        try_cast(statement_date as date) as statement_date,
        upper(nullif(trim(reported_currency), '')) as reported_currency,
        {{ to_double('revenue') }} as revenue,
        {{ to_double('cost_of_revenue') }} as cost_of_revenue,
        {{ to_double('gross_profit') }} as gross_profit,
        {{ to_double('operating_income') }} as operating_income,
        {{ to_double('net_income') }} as net_income,
        {{ to_double('eps') }} as eps,
        {{ to_double('eps_diluted') }} as eps_diluted,
        {{ iso_timestamp('fetched_at') }} as fetched_at,
        cast(ingest_date as date) as ingest_date,
        content_sha256
    from records
),

ranked as (
    select
        *,
        row_number() over (
            partition by symbol, fiscal_year, period
            order by ingest_date desc, fetched_at desc nulls last, content_sha256 desc nulls last
        ) as fetch_rank
    from typed
    where symbol is not null and symbol <> ''
        and fiscal_year is not null
        and period in ('FY', 'Q1', 'Q2', 'Q3', 'Q4')
)

select
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
    fetched_at,
    ingest_date
from ranked
where fetch_rank = 1
