//! Statistics used by the checks, each checked against scipy.stats on fixed
//! samples (the reference values and the commands that produced them are in
//! the tests).

pub mod binomial;
pub mod fdr;
