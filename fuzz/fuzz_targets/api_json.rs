//! The admin API's JSON bodies: deserialising never panics; what deserialises serialises
//! and deserialises back to the same value (so nothing is silently dropped or invented).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tollgate_core::api::{
    AccountPatch, LoginRequest, NewUser, ResetRequest, SetupRequest, TokenDraft, TokenEdit, UpgradeRequest, UserPatch,
};
use tollgate_core::filter::TokenFilter;

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<T>(data) {
        let text = serde_json::to_string(&v).expect("serialises");
        let back: T = serde_json::from_str(&text).expect("own output deserialises");
        assert_eq!(back, v);
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<TokenDraft>(data);
    round_trip::<TokenEdit>(data);
    round_trip::<ResetRequest>(data);
    round_trip::<UpgradeRequest>(data);
    round_trip::<NewUser>(data);
    round_trip::<UserPatch>(data);
    round_trip::<AccountPatch>(data);
    round_trip::<LoginRequest>(data);
    round_trip::<SetupRequest>(data);
    round_trip::<TokenFilter>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = TokenFilter::from_query(text);
    }
});
