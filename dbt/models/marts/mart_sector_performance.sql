-- Gold: per sector and trading day, how the sector's companies moved on average.
with daily as (
    select
        company.sector,
        prices.price_date,
        prices.symbol,
        prices.daily_return,
        prices.volatility_20d,
        prices.close_price * prices.volume as traded_value
    from {{ ref('fct_daily_prices') }} as prices
    inner join {{ ref('dim_company') }} as company
        on prices.symbol = company.symbol
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
    sum(traded_value) as traded_value
from daily
group by sector, price_date
