//! Every API test in one binary: HTTP against the local router, as clients use it.

mod smoke;
