-- Gold: per sector and trading day, how the sector's companies moved on average.
--
-- Incremental: the days from the earliest price date the new bronze partitions touch are
-- recomputed in full (every company of those days) and merged on (sector, price_date);
-- earlier days cannot have changed. A company's sector comes from dim_company at the time
-- a day is computed: after a company changes sector, --full-refresh restates history.
{{ config(
    unique_key=['sector', 'price_date'],
    partitioned_by=(['price_date'] if target.type == 'athena' else none),
) }}

-- depends_on: {{ source('bronze', 'prices') }}
{% set since = incremental_since() -%}
{%- set first_changed = first_changed('prices', 'price_date', since) if since else none -%}

with daily as (
    select
        company.sector,
        prices.price_date,
        prices.symbol,
        prices.daily_return,
        prices.volatility_20d,
        prices.close_price * prices.volume as traded_value,
        prices.ingest_date
    from {{ ref('fct_daily_prices') }} as prices
    inner join {{ ref('dim_company') }} as company
        on prices.symbol = company.symbol
    {%- if since and first_changed %}
    where prices.price_date >= {{ date_literal(first_changed) }}
    {%- elif since %}
    where false
    {%- endif %}
)

select
    sector || '|' || cast(price_date as varchar) as sector_day_id,
    sector,
    price_date,
    count(distinct symbol) as companies,
    count(daily_return) as companies_with_return,
    avg(daily_return) as avg_daily_return,
    min(daily_return) as min_daily_return,
    max(daily_return) as max_daily_return,
    avg(volatility_20d) as avg_volatility_20d,
    sum(traded_value) as traded_value,
    max(ingest_date) as ingest_date
from daily
group by sector, price_date
