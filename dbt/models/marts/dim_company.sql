-- Gold: one row per symbol seen in any dataset, with its latest profile when there is one,
-- and the span of its prices. Built from every dataset (not only profiles) so facts always
-- find their company.
--
-- Incremental: profiles and income statements are small (one row per symbol / statement)
-- and read whole; prices are not: the span is widened with the silver prices from the
-- earliest date the new bronze partitions touch (silver never loses a price, so
-- least/greatest with the previous span is exact). Merged on symbol.
{{ config(
    unique_key='symbol',
) }}

-- depends_on: {{ source('bronze', 'prices') }}
{% set since = incremental_since('prices_ingest_date') -%}
{%- set first_changed = first_changed('prices', 'price_date', since) if since else none -%}

with new_prices as (
    select
        symbol,
        min(price_date) as first_price_date,
        max(price_date) as last_price_date,
        max(ingest_date) as prices_ingest_date
    from {{ ref('stg_prices') }}
    {%- if since and first_changed %}
    where price_date >= {{ date_literal(first_changed) }}
    {%- elif since %}
    where false
    {%- endif %}
    group by symbol
),

{%- if since %}

price_span as (
    select
        coalesce(new.symbol, old.symbol) as symbol,
        least(
            coalesce(new.first_price_date, old.first_price_date),
            coalesce(old.first_price_date, new.first_price_date)
        ) as first_price_date,
        greatest(
            coalesce(new.last_price_date, old.last_price_date),
            coalesce(old.last_price_date, new.last_price_date)
        ) as last_price_date,
        greatest(
            coalesce(new.prices_ingest_date, old.prices_ingest_date),
            coalesce(old.prices_ingest_date, new.prices_ingest_date)
        ) as prices_ingest_date
    from new_prices as new
    full outer join (
        select symbol, first_price_date, last_price_date, prices_ingest_date
        from {{ this }}
        where prices_ingest_date is not null
    ) as old
        on new.symbol = old.symbol
),

{%- else %}

price_span as (
    select * from new_prices
),

{%- endif %}

symbols as (
    select symbol from {{ ref('stg_company_profiles') }}
    union
    select symbol from price_span
    union
    select symbol from {{ ref('stg_income_statements') }}
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
    price_span.prices_ingest_date,
    profiles.ingest_date as profile_ingest_date
from symbols
left join {{ ref('stg_company_profiles') }} as profiles
    on symbols.symbol = profiles.symbol
left join price_span
    on symbols.symbol = price_span.symbol
