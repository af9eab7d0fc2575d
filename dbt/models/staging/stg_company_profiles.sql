-- Silver: one row per symbol, the latest fetched profile.
with records as (
    {{ bronze_records(source('bronze', 'profiles'), 'profiles') }}
),

typed as (
    select
        upper(trim(coalesce(symbol, envelope_symbol))) as symbol,
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
        content_sha256
    from records
),

ranked as (
    select
        *,
        row_number() over (
            partition by symbol
            order by fetched_at desc nulls last, content_sha256 desc nulls last
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
    fetched_at
from ranked
where fetch_rank = 1
