-- Gold: daily prices with the simple daily return, the 20-trading-day moving average of
-- the close and the 20-trading-day volatility (sample standard deviation of daily returns).
-- Windows count trading days (rows), not calendar days; the moving average and the
-- volatility stay null until a full 20-day window exists.
with prices as (
    select
        symbol,
        price_date,
        open_price,
        high_price,
        low_price,
        close_price,
        volume,
        lag(close_price) over (partition by symbol order by price_date) as previous_close
    from {{ ref('stg_prices') }}
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
        ) as return_stddev_20
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
    case when returns_in_window = 20 then return_stddev_20 end as volatility_20d
from windows
