//! Body fingerprints that see through mail-merge personalisation.
