-- Silver: one row per (symbol, price_date), typed; the latest fetch wins.
-- Rows without a symbol, a date or a positive close are dropped (no return can be
-- computed from them); other non-positive prices and negative volumes become null.
with records as (
    {{ bronze_records(source('bronze', 'prices'), 'prices') }}
),

typed as (
    select
        upper(trim(coalesce(symbol, envelope_symbol))) as symbol,
        try_cast(price_date as date) as price_date,
        {{ positive_or_null(to_double('open_price')) }} as open_price,
        {{ positive_or_null(to_double('high_price')) }} as high_price,
        {{ positive_or_null(to_double('low_price')) }} as low_price,
        {{ positive_or_null(to_double('close_price')) }} as close_price,
        case when {{ to_bigint('volume') }} >= 0 then {{ to_bigint('volume') }} end as volume,
        {{ positive_or_null(to_double('vwap')) }} as vwap,
        {{ iso_timestamp('fetched_at') }} as fetched_at,
        content_sha256
    from records
),

ranked as (
    select
        *,
        row_number() over (
            partition by symbol, price_date
            order by fetched_at desc nulls last, content_sha256 desc nulls last
        ) as fetch_rank
    from typed
    where symbol is not null and symbol <> ''
        and price_date is not null
        and close_price is not null
)

select
    symbol,
    price_date,
    open_price,
    high_price,
    low_price,
    close_price,
    volume,
    vwap,
    fetched_at
from ranked
where fetch_rank = 1
