{#-
  The one definition of the bronze JSON objects that ingestion writes
  (contract: fmp/{dataset}/ingest_date=YYYY-MM-DD/symbol={SYM}/{name}.json,
  body {"envelope": {...}, "records": [...]}).

  Both engines read it from here: DuckDB builds its read_json() column spec and
  Athena builds its external-table DDL from these lists, so a new FMP field is
  added in one place. Every record field is read as text; the silver models do
  the typing with try_cast, so one malformed value nulls a cell instead of
  failing the whole read.

  Each field is (json_key, column_name): FMP's camelCase key and the snake_case
  column the silver models see.
-#}

{% macro bronze_envelope_fields() %}
  {{ return([
      ('source', 'source'),
      ('dataset', 'dataset'),
      ('symbol', 'envelope_symbol'),
      ('url', 'source_url'),
      ('fetched_at', 'fetched_at'),
      ('content_sha256', 'content_sha256'),
      ('schema_version', 'schema_version'),
      ('record_count', 'record_count'),
  ]) }}
{% endmacro %}

{% macro bronze_record_fields(dataset) %}
  {%- set fields = {
      'prices': [
          ('symbol', 'symbol'),
          ('date', 'price_date'),
          ('open', 'open_price'),
          ('high', 'high_price'),
          ('low', 'low_price'),
          ('close', 'close_price'),
          ('volume', 'volume'),
          ('change', 'price_change'),
          ('changePercent', 'change_percent'),
          ('vwap', 'vwap'),
      ],
      'profiles': [
          ('symbol', 'symbol'),
          ('companyName', 'company_name'),
          ('sector', 'sector'),
          ('industry', 'industry'),
          ('exchange', 'exchange'),
          ('currency', 'currency'),
          ('country', 'country'),
          ('marketCap', 'market_cap'),
          ('beta', 'beta'),
          ('ipoDate', 'ipo_date'),
          ('isEtf', 'is_etf'),
          ('isActivelyTrading', 'is_actively_trading'),
      ],
      'income': [
          ('date', 'statement_date'),
          ('symbol', 'symbol'),
          ('reportedCurrency', 'reported_currency'),
          ('fiscalYear', 'fiscal_year'),
          ('period', 'period'),
          ('revenue', 'revenue'),
          ('costOfRevenue', 'cost_of_revenue'),
          ('grossProfit', 'gross_profit'),
          ('operatingIncome', 'operating_income'),
          ('netIncome', 'net_income'),
          ('eps', 'eps'),
          ('epsDiluted', 'eps_diluted'),
      ],
  } -%}
  {%- if dataset not in fields -%}
    {{ exceptions.raise_compiler_error(
        "bronze_record_fields: unknown dataset '" ~ dataset ~ "' (known: "
        ~ (fields.keys() | list | join(', ')) ~ "). Add it in macros/bronze_schema.sql.") }}
  {%- endif -%}
  {{ return(fields[dataset]) }}
{% endmacro %}
