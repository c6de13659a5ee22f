//! The rules: one module per recognised API family, each naming its rule ids; [`builder`]
//! dispatches reader/writer builder methods (`spark.read` / `df.write` / streams) to them and
//! [`options`] holds the option helpers they share.

pub(crate) mod boto3_s3;
pub(crate) mod builder;
pub(crate) mod connection;
pub(crate) mod connector;
pub(crate) mod database;
pub(crate) mod db_connect;
pub(crate) mod delta;
pub(crate) mod dynamodb;
pub(crate) mod frames;
pub(crate) mod glue_catalog;
pub(crate) mod glue_options;
pub(crate) mod glue_sink;
pub(crate) mod hudi_deltastreamer;
pub(crate) mod jdbc;
pub(crate) mod kinesis;
pub(crate) mod lakehouse;
pub(crate) mod options;
pub(crate) mod pandas;
pub(crate) mod spark_read;
pub(crate) mod spark_sql;
pub(crate) mod spark_write;
pub(crate) mod streaming;
pub(crate) mod wrangler;
