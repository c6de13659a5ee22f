//! The rules: one module per recognised API family, each naming its rule ids; [`builder`]
//! dispatches reader/writer builder methods (`spark.read` / `df.write` / streams) to them and
//! [`options`] holds the option helpers they share.

pub mod boto3_s3;
pub mod builder;
pub mod connection;
pub mod glue_catalog;
pub mod glue_options;
pub mod glue_sink;
pub mod jdbc;
pub mod lakehouse;
pub mod options;
pub mod spark_read;
pub mod spark_sql;
pub mod spark_write;
pub mod streaming;
pub mod wrangler;
