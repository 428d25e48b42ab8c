//! Statistics used by the checks, each checked against scipy.stats on fixed
//! samples (the reference values and the commands that produced them are in
//! the tests).

pub mod binomial;
pub mod fdr;
pub mod fisher;
pub mod hodges_lehmann;
pub mod kaplan_meier;
pub mod ks;
pub mod mann_whitney;
pub mod quantile;
