//! napi binding (filled in below)
