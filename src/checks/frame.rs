//! Reading small aggregated frames back into Rust vectors, for the per-cell
//! statistics and the report text that checks compute after Polars has done
//! the heavy lifting. Nulls become a neutral value (0, NaN, "", false).

use polars::prelude::*;

use crate::error::Result;

/// A column as `u64`, nulls as 0.
pub fn u64s(df: &DataFrame, name: &str) -> Result<Vec<u64>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::UInt64)?;
    Ok(s.u64()?.iter().map(|v| v.unwrap_or(0)).collect())
}

/// A column as `i64`, nulls as 0.
pub fn i64s(df: &DataFrame, name: &str) -> Result<Vec<i64>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::Int64)?;
    Ok(s.i64()?.iter().map(|v| v.unwrap_or(0)).collect())
}

/// A column as `f64`, nulls as NaN.
pub fn f64s(df: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::Float64)?;
    Ok(s.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

/// A column as text, nulls as "".
pub fn strs(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::String)?;
    Ok(s.str()?.iter().map(|v| v.unwrap_or("").to_owned()).collect())
}

/// A column as optional text.
pub fn opt_strs(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::String)?;
    Ok(s.str()?.iter().map(|v| v.map(str::to_owned)).collect())
}

/// A boolean column, nulls as false.
pub fn bools(df: &DataFrame, name: &str) -> Result<Vec<bool>> {
    let s = df.column(name)?.as_materialized_series();
    Ok(s.bool()?.iter().map(|v| v.unwrap_or(false)).collect())
}
