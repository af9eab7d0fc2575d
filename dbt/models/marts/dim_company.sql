-- Gold: one row per symbol seen in any dataset, with its latest profile when there is one.
-- Built from every dataset (not only profiles) so facts always find their company.
with symbols as (
    select symbol from {{ ref('stg_company_profiles') }}
    union
    select symbol from {{ ref('stg_prices') }}
    union
    select symbol from {{ ref('stg_income_statements') }}
),

price_span as (
    select
        symbol,
        min(price_date) as first_price_date,
        max(price_date) as last_price_date,
        count(*) as trading_days
    from {{ ref('stg_prices') }}
    group by symbol
)

select
    symbols.symbol,
    coalesce(profiles.company_name, symbols.symbol) as company_name,
    coalesce(profiles.sector, 'Unknown') as sector,
    coalesce(profiles.industry, 'Unknown') as industry,
    profiles.exchange,
    profiles.currency,
    profiles.country,
    profiles.market_cap,
    profiles.beta,
    profiles.ipo_date,
    coalesce(profiles.is_etf, false) as is_etf,
    coalesce(profiles.is_actively_trading, true) as is_actively_trading,
    profiles.symbol is not null as has_profile,
    price_span.first_price_date,
    price_span.last_price_date,
    coalesce(price_span.trading_days, 0) as trading_days
from symbols
left join {{ ref('stg_company_profiles') }} as profiles
    on symbols.symbol = profiles.symbol
left join price_span
    on symbols.symbol = price_span.symbol
