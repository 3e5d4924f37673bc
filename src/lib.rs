//! svn2s3: publish a Subversion working copy to S3 by pushing only what changed.
#![deny(unsafe_code)]

pub mod config;
pub mod plan;
pub mod svn;
pub mod wc;
