//! Helpers for the differential tests (see tests/).
