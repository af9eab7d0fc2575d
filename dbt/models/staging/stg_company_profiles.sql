-- Silver: one row per symbol, the profile of the newest bronze partition (then the latest
-- fetch). Incremental: new bronze partitions only, merged on symbol.
{{ config(
    unique_key='symbol',
) }}

with records as (
    {{ bronze_records(source('bronze', 'profiles'), 'profiles', incremental_since()) }}
),

typed as (
    select
        {{ clean_symbol('symbol', 'envelope_symbol') }} as symbol,
        nullif(trim(company_name), '') as company_name,
        nullif(trim(sector), '') as sector,
        nullif(trim(industry), '') as industry,
        nullif(trim(exchange), '') as exchange,
        upper(nullif(trim(currency), '')) as currency,
        upper(nullif(trim(country), '')) as country,
        {{ positive_or_null(to_double('market_cap')) }} as market_cap,
        {{ to_double('beta') }} as beta,
        try_cast(ipo_date as date) as ipo_date,
        coalesce(try_cast(is_etf as boolean), false) as is_etf,
        coalesce(try_cast(is_actively_trading as boolean), true) as is_actively_trading,
        {{ iso_timestamp('fetched_at') }} as fetched_at,
        cast(ingest_date as date) as ingest_date,
        content_sha256
    from records
),

ranked as (
    select
        *,
        row_number() over (
            partition by symbol
            order by ingest_date desc, fetched_at desc nulls last, content_sha256 desc nulls last
        ) as fetch_rank
    from typed
    where symbol is not null and symbol <> ''
)

select
    symbol,
    company_name,
    sector,
    industry,
    exchange,
    currency,
    country,
    market_cap,
    beta,
    ipo_date,
    is_etf,
    is_actively_trading,
    fetched_at,
    ingest_date
from ranked
where fetch_rank = 1
