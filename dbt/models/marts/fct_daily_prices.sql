-- Gold: daily prices with the simple daily return, the 20-trading-day moving average of
-- the close and the 20-trading-day volatility (sample standard deviation of daily returns).
-- Windows count trading days (rows), not calendar days; the moving average and the
-- volatility stay null until a full 20-day window exists.
--
-- Incremental: only the affected tail is recomputed. The new bronze partitions (from this
-- model's watermark on) say the earliest price date they touch; rows from that date on are
-- recomputed from silver read back `window_lookback_days` calendar days further (the
-- windows' 20 previous trading days; exact while every symbol has 20 prices in that span),
-- and merged on (symbol, price_date). `ingest_date` is the newest silver partition inside a
-- row's window, the same in a full refresh and in an incremental run.
{{ config(
    unique_key=['symbol', 'price_date'],
    partitioned_by=(['price_date'] if target.type == 'athena' else none),
) }}

-- depends_on: {{ source('bronze', 'prices') }}
{% set since = incremental_since() -%}
{%- set first_changed = first_changed('prices', 'price_date', since) if since else none -%}

with prices as (
    select
        symbol,
        price_date,
        open_price,
        high_price,
        low_price,
        close_price,
        volume,
        ingest_date,
        lag(close_price) over (partition by symbol order by price_date) as previous_close
    from {{ ref('stg_prices') }}
    {%- if since and first_changed %}
    where price_date >= {{ date_literal(days_before(first_changed, var('window_lookback_days'))) }}
    {%- elif since %}
    where false
    {%- endif %}
),

returns as (
    select
        *,
        close_price / previous_close - 1 as daily_return
    from prices
),

windows as (
    select
        *,
        count(close_price) over (
            partition by symbol order by price_date rows between 19 preceding and current row
        ) as closes_in_window,
        avg(close_price) over (
            partition by symbol order by price_date rows between 19 preceding and current row
        ) as close_avg_20,
        count(daily_return) over (
            partition by symbol order by price_date rows between 19 preceding and current row
        ) as returns_in_window,
        stddev_samp(daily_return) over (
            partition by symbol order by price_date rows between 19 preceding and current row
        ) as return_stddev_20,
        max(ingest_date) over (
            partition by symbol order by price_date rows between 20 preceding and current row
        ) as window_ingest_date
    from returns
)

select
    symbol || '|' || cast(price_date as varchar) as price_id,
    symbol,
    price_date,
    open_price,
    high_price,
    low_price,
    close_price,
    volume,
    previous_close,
    daily_return,
    case when closes_in_window = 20 then close_avg_20 end as moving_avg_20d,
    case when returns_in_window = 20 then return_stddev_20 end as volatility_20d,
    window_ingest_date as ingest_date
from windows
{%- if since and first_changed %}
where price_date >= {{ date_literal(first_changed) }}
{%- endif %}
