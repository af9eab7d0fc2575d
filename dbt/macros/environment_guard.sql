{#-
  Refuse to build when the dbt target and the environment that finks_dbt
  derived the bucket/database names from disagree (for example DBT_TARGET=prod
  with dev's variables still exported): without this, dbt would happily write
  one environment's data into another's names.
-#}

{% macro assert_target_environment() %}
  {%- if execute -%}
    {%- set environment = env_var('FINKS_ENV', '') -%}
    {%- if environment != target.name -%}
      {{ exceptions.raise_compiler_error(
          "dbt target '" ~ target.name ~ "' does not match FINKS_ENV='" ~ environment
          ~ "'. Run dbt through finks_dbt (./pants run dbt:deploy -- --env ENV), which sets "
          ~ "DBT_TARGET and every FINKS_* variable from one environment's config.") }}
    {%- endif -%}
  {%- endif -%}
{% endmacro %}
