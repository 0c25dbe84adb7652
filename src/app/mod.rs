//! What the binary orchestrates, as library code it can test: reading inputs under their size
//! caps, options from the config file and the flags, the send ledger as one run uses it, batches
//! of merged messages, recording a send, and writing output files safely. Nothing here prints:
//! warnings come back as data.

pub mod batch;
pub mod options;
pub mod read;
pub mod record;
pub mod session;
pub mod write;
